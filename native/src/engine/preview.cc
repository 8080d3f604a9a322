#include "engine/preview.h"

#include <algorithm>
#include <cmath>

#include "core/threadpool.h"
#include "engine/rgb_convert.h"

namespace tsr {

namespace {

// Solves A x = b (n x n, row-major) by Gaussian elimination with partial pivoting.
bool solve_dense(std::vector<double> A, std::vector<double> b, int n, std::vector<double>* x) {
  for (int col = 0; col < n; ++col) {
    int piv = col;
    for (int r = col + 1; r < n; ++r)
      if (std::fabs(A[r * n + col]) > std::fabs(A[piv * n + col])) piv = r;
    if (std::fabs(A[piv * n + col]) < 1e-300) return false;
    if (piv != col) {
      for (int c = 0; c < n; ++c) std::swap(A[piv * n + c], A[col * n + c]);
      std::swap(b[piv], b[col]);
    }
    for (int r = col + 1; r < n; ++r) {
      double f = A[r * n + col] / A[col * n + col];
      for (int c = col; c < n; ++c) A[r * n + c] -= f * A[col * n + c];
      b[r] -= f * b[col];
    }
  }
  x->assign(n, 0.0);
  for (int r = n - 1; r >= 0; --r) {
    double s = b[r];
    for (int c = r + 1; c < n; ++c) s -= A[r * n + c] * (*x)[c];
    (*x)[r] = s / A[r * n + r];
  }
  return true;
}

}  // namespace

PreviewProjection fit_linear_rgb(const std::vector<float>& z, const std::vector<float>& rgb, int k) {
  PreviewProjection p;
  p.z_dim = k;
  p.weight.assign(size_t(3) * k, 0.0f);
  const int n = k + 1;  // features z and a constant 1
  const size_t rows = rgb.size() / 3;
  std::vector<double> A(size_t(n) * n, 0.0), B(size_t(n) * 3, 0.0);
  std::vector<double> f(n);
  for (size_t r = 0; r < rows; ++r) {
    for (int j = 0; j < k; ++j) f[j] = z[r * k + j];
    f[k] = 1.0;
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) A[a * n + b] += f[a] * f[b];
      for (int c = 0; c < 3; ++c) B[a * 3 + c] += f[a] * rgb[r * 3 + c];
    }
  }
  double trace = 0;
  for (int j = 0; j < k; ++j) trace += A[j * n + j];
  const double ridge = 1e-6 * (trace / std::max(k, 1)) + 1e-12;
  for (int j = 0; j < k; ++j) A[j * n + j] += ridge;  // the bias stays unregularised
  double sse = 0, sst = 0;
  for (int c = 0; c < 3; ++c) {
    std::vector<double> b(n), x;
    for (int a = 0; a < n; ++a) b[a] = B[a * 3 + c];
    if (!solve_dense(A, b, n, &x)) x.assign(n, 0.0);
    for (int j = 0; j < k; ++j) p.weight[c * k + j] = float(x[j]);
    p.bias[c] = float(x[k]);
    double mean = 0;
    for (size_t r = 0; r < rows; ++r) mean += rgb[r * 3 + c];
    mean /= std::max<size_t>(rows, 1);
    for (size_t r = 0; r < rows; ++r) {
      double pred = x[k];
      for (int j = 0; j < k; ++j) pred += x[j] * z[r * k + j];
      double y = rgb[r * 3 + c];
      sse += (y - pred) * (y - pred);
      sst += (y - mean) * (y - mean);
    }
  }
  p.r2 = sst > 0 ? 1.0 - sse / sst : 0.0;
  return p;
}

StatusOr<RgbFrames> render_preview(const PreviewProjection& proj, const Tensor& x0, int max_side) {
  if (x0.ndim() != 4 || x0.dim(0) != proj.z_dim || x0.dtype() != DType::F32 || !x0.data())
    return Error(Code::Internal, "preview: expected a host float32 [%d, T, h, w] latent, got %s", proj.z_dim,
                 shape_str(x0.shape()).c_str());
  const int k = proj.z_dim, T = int(x0.dim(1)), h = int(x0.dim(2)), w = int(x0.dim(3));
  const int full_h = h * 8, full_w = w * 8;
  RgbFrames out;
  out.frames = T;
  if (max_side <= 0) {
    out.height = full_h;
    out.width = full_w;
  } else {
    const double scale = double(max_side) / std::max(full_h, full_w);
    out.height = std::max(1, int(std::lround(full_h * scale)));
    out.width = std::max(1, int(std::lround(full_w * scale)));
  }
  // Project on the latent grid first (k MACs per latent pixel), then resize.
  std::vector<float> lat(size_t(T) * h * w * 3);
  const float* z = x0.data_as<float>();
  const int64_t plane = int64_t(h) * w;
  for (int t = 0; t < T; ++t)
    for (int64_t p = 0; p < plane; ++p)
      for (int c = 0; c < 3; ++c) {
        float s = proj.bias[c];
        for (int j = 0; j < k; ++j) s += proj.weight[c * k + j] * z[(int64_t(j) * T + t) * plane + p];
        lat[(t * plane + p) * 3 + c] = s;
      }
  out.rgb.resize(size_t(T) * out.height * out.width * 3);
  const double sy = double(h) / out.height, sx = double(w) / out.width;
  default_pool().parallel_for(int64_t(T) * out.height, 8, [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      const int t = int(row / out.height), oy = int(row % out.height);
      double fy = std::clamp((oy + 0.5) * sy - 0.5, 0.0, double(h - 1));
      int y0 = int(fy), y1 = std::min(y0 + 1, h - 1);
      double wy = fy - y0;
      for (int ox = 0; ox < out.width; ++ox) {
        double fx = std::clamp((ox + 0.5) * sx - 0.5, 0.0, double(w - 1));
        int x0i = int(fx), x1 = std::min(x0i + 1, w - 1);
        double wx = fx - x0i;
        for (int c = 0; c < 3; ++c) {
          auto at = [&](int y, int x) { return double(lat[((t * plane) + int64_t(y) * w + x) * 3 + c]); };
          double v = (1 - wy) * ((1 - wx) * at(y0, x0i) + wx * at(y0, x1)) + wy * ((1 - wx) * at(y1, x0i) + wx * at(y1, x1));
          float fv = float(v);
          out.rgb[((size_t(t) * out.height + oy) * out.width + ox) * 3 + c] = std::isnan(fv) ? 0 : unit_to_u8(fv);
        }
      }
    }
  });
  return out;
}

}  // namespace tsr
