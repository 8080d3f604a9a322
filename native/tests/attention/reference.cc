#include "reference.h"

#include <algorithm>
#include <cmath>

namespace tsr::test {

namespace {
// Spec rule for one axis: n tiles, window w; centre = clamp(q, w/2, n-1-w/2); keep when
// |centre - k| <= w/2; a window covering the axis keeps everything.
bool sta_axis(int q, int k, int w, int n) {
  if (w >= n) return true;
  int r = w / 2;
  int c = std::min(std::max(q, r), n - 1 - r);
  return std::abs(c - k) <= r;
}
}  // namespace

std::vector<uint8_t> reference_mask(const int grid[3], const int tile[3], const HeadPattern& p) {
  int64_t n = int64_t(grid[0]) * grid[1] * grid[2];
  std::vector<uint8_t> mask(size_t(n * n), 1);
  if (p.kind == AttnPattern::Dense) return mask;
  int ntiles[3];
  for (int a = 0; a < 3; ++a) ntiles[a] = (grid[a] + tile[a] - 1) / tile[a];
  auto coords = [&](int64_t tok, int c[3]) {
    c[0] = int(tok / (int64_t(grid[1]) * grid[2]));
    c[1] = int(tok / grid[2] % grid[1]);
    c[2] = int(tok % grid[2]);
  };
  for (int64_t i = 0; i < n; ++i) {
    int qc[3];
    coords(i, qc);
    for (int64_t j = 0; j < n; ++j) {
      int kc[3];
      coords(j, kc);
      bool keep = true;
      if (p.kind == AttnPattern::Sta) {
        for (int a = 0; a < 3; ++a)
          keep = keep && sta_axis(qc[a] / tile[a], kc[a] / tile[a], p.window[a], ntiles[a]);
      } else {
        int g = p.global_frames;
        keep = qc[0] == kc[0] || kc[0] < g || qc[0] < g;
      }
      mask[size_t(i * n + j)] = keep ? 1 : 0;
    }
  }
  return mask;
}

Tensor reference_attention(const Tensor& q, const Tensor& k, const Tensor& v, const RefAttn& a) {
  int64_t nq = q.dim(0), nk = k.dim(0);
  int d = a.head_dim;
  int64_t ld = int64_t(a.heads) * d;
  double scale = a.scale != 0 ? a.scale : 1.0 / std::sqrt(double(d));
  Tensor out = host_zeros(DType::F32, {nq, ld});
  const float *Q = q.data_as<float>(), *K = k.data_as<float>(), *V = v.data_as<float>();
  float* O = out.data_as<float>();
  std::vector<double> logit(static_cast<size_t>(nk));
  std::vector<double> acc(static_cast<size_t>(d));
  for (int h = 0; h < a.heads; ++h) {
    const std::vector<uint8_t>* mask = a.masks.empty() ? nullptr : &a.masks[size_t(h)];
    for (int64_t i = 0; i < nq; ++i) {
      double mx = -INFINITY;
      for (int64_t j = 0; j < nk; ++j) {
        bool keep = (a.key_len < 0 || j < a.key_len) && (!mask || (*mask)[size_t(i * nk + j)]);
        if (!keep) {
          logit[size_t(j)] = -INFINITY;
          continue;
        }
        double s = 0;
        for (int c = 0; c < d; ++c) s += double(Q[i * ld + h * d + c]) * double(K[j * ld + h * d + c]);
        s *= scale;
        if (a.bias) s += a.bias(h, i, j);
        logit[size_t(j)] = s;
        mx = std::max(mx, s);
      }
      double sum = 0;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t j = 0; j < nk; ++j) {
        if (logit[size_t(j)] == -INFINITY) continue;
        double p = std::exp(logit[size_t(j)] - mx);
        sum += p;
        for (int c = 0; c < d; ++c) acc[size_t(c)] += p * double(V[j * ld + h * d + c]);
      }
      for (int c = 0; c < d; ++c) O[i * ld + h * d + c] = float(acc[size_t(c)] / sum);
    }
  }
  return out;
}

std::vector<double> reference_probs(const Tensor& q, const Tensor& k, int heads, int head_dim,
                                    int head, int64_t i, double scale) {
  int64_t nk = k.dim(0), ld = int64_t(heads) * head_dim;
  const float *Q = q.data_as<float>(), *K = k.data_as<float>();
  std::vector<double> p(static_cast<size_t>(nk));
  double mx = -INFINITY;
  for (int64_t j = 0; j < nk; ++j) {
    double s = 0;
    for (int c = 0; c < head_dim; ++c)
      s += double(Q[i * ld + head * head_dim + c]) * double(K[j * ld + head * head_dim + c]);
    p[size_t(j)] = s * scale;
    mx = std::max(mx, p[size_t(j)]);
  }
  double sum = 0;
  for (auto& x : p) sum += (x = std::exp(x - mx));
  for (auto& x : p) x /= sum;
  return p;
}

int reference_t5_bucket(int r) {
  // 32 buckets, 16 per direction, 8 exact, log-spaced up to 128; log term in float32.
  int base = r > 0 ? 16 : 0;
  int n = std::abs(r);
  if (n < 8) return base + n;
  float v = std::log(float(n) / 8.0f) / float(std::log(128.0 / 8.0)) * 8.0f;
  return base + std::min(15, 8 + int(v));
}

}  // namespace tsr::test
