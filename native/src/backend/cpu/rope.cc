#include "backend/cpu/rope.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/simd.h"

namespace tsr::cpu {

RopeSplit rope_split(int head_dim) {
  const int c = head_dim / 2;
  return {c - 2 * (c / 3), c / 3, c / 3};
}

// Angle of pair j of an axis with `pairs` pairs at position p: p / theta^(2j / (2·pairs)).
static double axis_angle(int p, int j, int pairs) {
  return double(p) / std::pow(10000.0, double(2 * j) / double(2 * pairs));
}

// Rotates the interleaved (real, imag) pairs of every head of one token, in float64.
TSR_CLONES
static void rotate_token(float* __restrict x, int heads, int head_dim, const double* __restrict c,
                         const double* __restrict s) {
  const int pairs = head_dim / 2;
  for (int hd = 0; hd < heads; ++hd) {
    float* xh = x + int64_t(hd) * head_dim;
    for (int j = 0; j < pairs; ++j) {
      double re = xh[2 * j], im = xh[2 * j + 1];
      xh[2 * j] = float(re * c[j] - im * s[j]);
      xh[2 * j + 1] = float(re * s[j] + im * c[j]);
    }
  }
}

void CpuBackend::rope3d_(Tensor& x, int heads, int head_dim, const int grid[3]) {
  if (!x.defined()) return;
  if (!check_f32(x, "rope3d_", "x")) return;
  if (heads < 1 || head_dim < 2 || head_dim % 2 || grid[0] < 1 || grid[1] < 1 || grid[2] < 1) {
    fail(Error(Code::InvalidArgument, "rope3d_: heads %d, head_dim %d (must be even), grid %dx%dx%d", heads,
               head_dim, grid[0], grid[1], grid[2]));
    return;
  }
  const int64_t tokens = int64_t(grid[0]) * grid[1] * grid[2];
  if (x.ndim() != 2 || x.dim(0) != tokens || x.dim(1) != int64_t(heads) * head_dim) {
    fail(Error(Code::ShapeMismatch, "rope3d_: x %s, expected [%lld, %d] for grid %dx%dx%d",
               shape_str(x.shape()).c_str(), (long long)tokens, heads * head_dim, grid[0], grid[1], grid[2]));
    return;
  }
  // Per-axis tables [position][pair]; a token's row is three slices of them.
  const RopeSplit sp = rope_split(head_dim);
  const int pairs = head_dim / 2;
  std::vector<double> tab_c[3], tab_s[3];
  const int axis_pairs[3] = {sp.t, sp.h, sp.w};
  for (int a = 0; a < 3; ++a) {
    tab_c[a].resize(size_t(grid[a]) * axis_pairs[a]);
    tab_s[a].resize(size_t(grid[a]) * axis_pairs[a]);
    for (int p = 0; p < grid[a]; ++p)
      for (int j = 0; j < axis_pairs[a]; ++j) {
        double ang = axis_angle(p, j, axis_pairs[a]);
        tab_c[a][size_t(p) * axis_pairs[a] + j] = std::cos(ang);
        tab_s[a][size_t(p) * axis_pairs[a] + j] = std::sin(ang);
      }
  }
  float* xp = x.data_as<float>();
  const int64_t row = int64_t(heads) * head_dim;
  pool().parallel_for(tokens, std::max<int64_t>(1, 4096 / row), [&](int64_t t0, int64_t t1) {
    std::vector<double> c(pairs), s(pairs);
    for (int64_t t = t0; t < t1; ++t) {
      const int pos[3] = {int(t / (int64_t(grid[1]) * grid[2])), int(t / grid[2] % grid[1]), int(t % grid[2])};
      int i = 0;
      for (int a = 0; a < 3; ++a)
        for (int j = 0; j < axis_pairs[a]; ++j, ++i) {
          c[i] = tab_c[a][size_t(pos[a]) * axis_pairs[a] + j];
          s[i] = tab_s[a][size_t(pos[a]) * axis_pairs[a] + j];
        }
      rotate_token(xp + t * row, heads, head_dim, c.data(), s.data());
    }
  });
}

}  // namespace tsr::cpu
