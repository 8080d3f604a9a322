#include "backend/cpu/norms.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/simd.h"

namespace tsr::cpu {

TSR_CLONES
void layer_norm_row(const float* __restrict x, float* __restrict y, int64_t n, const float* __restrict w,
                    const float* __restrict b, const float* __restrict shift,
                    const float* __restrict scale, float eps) {
  if (n == 0) return;
  // Two passes (mean, then squared deviations): no cancellation when |mean| >> std.
  const float mean = sum_f32(x, n) / float(n);
  const float var = sum_sq_dev_f32(x, n, mean) / float(n);
  const float rstd = 1.0f / std::sqrt(var + eps);
  // One pass for each combination the models use (LN0, affine LN, adaLN modulation).
  if (!w && !b && !shift && !scale) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd;
  } else if (w && b && !shift && !scale) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd * w[i] + b[i];
  } else if (!w && !b && shift && scale) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd * (1.0f + scale[i]) + shift[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * rstd;
    if (w)
      for (int64_t i = 0; i < n; ++i) y[i] *= w[i];
    if (b)
      for (int64_t i = 0; i < n; ++i) y[i] += b[i];
    if (scale)
      for (int64_t i = 0; i < n; ++i) y[i] *= 1.0f + scale[i];
    if (shift)
      for (int64_t i = 0; i < n; ++i) y[i] += shift[i];
  }
}

TSR_CLONES
void rms_norm_row(const float* __restrict x, float* __restrict y, int64_t n, const float* __restrict w,
                  float eps) {
  if (n == 0) return;
  const float ms = sum_sq_dev_f32(x, n, 0.0f) / float(n);
  const float r = 1.0f / std::sqrt(ms + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * r * w[i];
}

// Rows of x[..., n] in parallel; each chunk holds at least ~16k elements.
template <class F>
static void for_rows(ThreadPool& pool, int64_t rows, int64_t n, F&& f) {
  pool.parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) f(r);
  });
}

static const float* ptr(const Tensor* t) { return t ? t->data_as<float>() : nullptr; }

Tensor CpuBackend::layer_norm(const Tensor& x, const Tensor* w, const Tensor* b, float eps) {
  if (!x.defined() || (w && !w->defined()) || (b && !b->defined())) return Tensor();
  if (!check_f32(x, "layer_norm", "x")) return Tensor();
  if (x.ndim() < 1) return fail(Error(Code::ShapeMismatch, "layer_norm: x is a scalar"));
  const int64_t n = x.dim(-1);
  if (!check_vec(w, n, "layer_norm", "weight") || !check_vec(b, n, "layer_norm", "bias")) return Tensor();
  Tensor y = alloc(x.shape(), "layer_norm");
  if (!y.defined() || n == 0) return y;
  const float *xp = x.data_as<float>(), *wp = ptr(w), *bp = ptr(b);
  float* yp = y.data_as<float>();
  for_rows(pool(), x.numel() / n, n,
           [&](int64_t r) { layer_norm_row(xp + r * n, yp + r * n, n, wp, bp, nullptr, nullptr, eps); });
  return y;
}

Tensor CpuBackend::layer_norm_modulate(const Tensor& x, const Tensor& shift, const Tensor& scale, float eps) {
  if (!x.defined() || !shift.defined() || !scale.defined()) return Tensor();
  if (!check_f32(x, "layer_norm_modulate", "x")) return Tensor();
  if (x.ndim() < 1) return fail(Error(Code::ShapeMismatch, "layer_norm_modulate: x is a scalar"));
  const int64_t n = x.dim(-1);
  if (!check_vec(&shift, n, "layer_norm_modulate", "shift") ||
      !check_vec(&scale, n, "layer_norm_modulate", "scale"))
    return Tensor();
  Tensor y = alloc(x.shape(), "layer_norm_modulate");
  if (!y.defined() || n == 0) return y;
  const float *xp = x.data_as<float>(), *sh = shift.data_as<float>(), *sc = scale.data_as<float>();
  float* yp = y.data_as<float>();
  for_rows(pool(), x.numel() / n, n,
           [&](int64_t r) { layer_norm_row(xp + r * n, yp + r * n, n, nullptr, nullptr, sh, sc, eps); });
  return y;
}

Tensor CpuBackend::rms_norm(const Tensor& x, const Tensor& w, float eps) {
  if (!x.defined() || !w.defined()) return Tensor();
  if (!check_f32(x, "rms_norm", "x")) return Tensor();
  if (x.ndim() < 1) return fail(Error(Code::ShapeMismatch, "rms_norm: x is a scalar"));
  const int64_t n = x.dim(-1);
  if (!check_vec(&w, n, "rms_norm", "weight")) return Tensor();
  Tensor y = alloc(x.shape(), "rms_norm");
  if (!y.defined() || n == 0) return y;
  const float *xp = x.data_as<float>(), *wp = w.data_as<float>();
  float* yp = y.data_as<float>();
  for_rows(pool(), x.numel() / n, n, [&](int64_t r) { rms_norm_row(xp + r * n, yp + r * n, n, wp, eps); });
  return y;
}

// Positions [p0, p0+np) of x[C, P]: the channel norm of each position, then the scaling.
TSR_CLONES
static void rms_channels_block(const float* __restrict x, float* __restrict y, int64_t C, int64_t P,
                               int64_t p0, int64_t np, const float* __restrict gamma, float* __restrict ss) {
  for (int64_t p = 0; p < np; ++p) ss[p] = 0.0f;
  for (int64_t c = 0; c < C; ++c) {
    const float* xc = x + c * P + p0;
    for (int64_t p = 0; p < np; ++p) ss[p] += xc[p] * xc[p];
  }
  const float root_c = std::sqrt(float(C));
  for (int64_t p = 0; p < np; ++p) ss[p] = root_c / std::max(std::sqrt(ss[p]), 1e-12f);
  for (int64_t c = 0; c < C; ++c) {
    const float* xc = x + c * P + p0;
    float* yc = y + c * P + p0;
    const float g = gamma[c];
    for (int64_t p = 0; p < np; ++p) yc[p] = xc[p] * ss[p] * g;
  }
}

Tensor CpuBackend::rms_norm_channels(const Tensor& x, const Tensor& gamma) {
  if (!x.defined() || !gamma.defined()) return Tensor();
  if (!check_f32(x, "rms_norm_channels", "x")) return Tensor();
  if (x.ndim() < 1) return fail(Error(Code::ShapeMismatch, "rms_norm_channels: x is a scalar"));
  const int64_t C = x.dim(0);
  if (!check_vec(&gamma, C, "rms_norm_channels", "gamma")) return Tensor();
  Tensor y = alloc(x.shape(), "rms_norm_channels");
  if (!y.defined() || x.numel() == 0) return y;
  const int64_t P = x.numel() / C;
  const float *xp = x.data_as<float>(), *gp = gamma.data_as<float>();
  float* yp = y.data_as<float>();
  constexpr int64_t kBlock = 512;  // positions per task: the block's C rows stay in L2
  pool().parallel_for((P + kBlock - 1) / kBlock, 1, [&](int64_t b0, int64_t b1) {
    float ss[kBlock];
    for (int64_t b = b0; b < b1; ++b) {
      int64_t p0 = b * kBlock, np = std::min(kBlock, P - p0);
      rms_channels_block(xp, yp, C, P, p0, np, gp, ss);
    }
  });
  return y;
}

}  // namespace tsr::cpu
