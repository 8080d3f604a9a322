// upsample2x(): nearest-neighbour ×2 over the last two axes ([..., H, W] -> [..., 2H, 2W]);
// the VAE calls it on [C, T, H, W]. Exact factor 2, so "nearest-exact" is src = dst / 2.
#include <algorithm>
#include <cstring>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/simd.h"

namespace tsr::cpu {

TSR_CLONES
static void double_row(const float* __restrict src, float* __restrict dst, int64_t w) {
  for (int64_t i = 0; i < w; ++i) {
    dst[2 * i] = src[i];
    dst[2 * i + 1] = src[i];
  }
}

Tensor CpuBackend::upsample2x(const Tensor& x) {
  if (!x.defined()) return Tensor();
  if (!check_f32(x, "upsample2x", "x")) return Tensor();
  if (x.ndim() < 2)
    return fail(Error(Code::ShapeMismatch, "upsample2x: x %s has fewer than 2 dimensions", shape_str(x.shape()).c_str()));
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] *= 2;
  out_shape[out_shape.size() - 2] *= 2;
  Tensor y = alloc(out_shape, "upsample2x");
  if (!y.defined() || y.numel() == 0) return y;
  const int64_t W = x.dim(-1), rows = x.numel() / W;  // input rows over [..., H]
  const float* xp = x.data_as<float>();
  float* yp = y.data_as<float>();
  pool().parallel_for(rows, std::max<int64_t>(1, 8192 / W), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* d = yp + r * 4 * W;  // input row r becomes output rows 2r and 2r+1
      double_row(xp + r * W, d, W);
      std::memcpy(d + 2 * W, d, size_t(2 * W) * sizeof(float));
    }
  });
  return y;
}

}  // namespace tsr::cpu
