// 3D RoPE (spec/wan21.md §3.6): pairs split t/h/w, interleaved (real, imag), same angles for
// every head. Angle tables come precomputed in float64 on the host.
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"

namespace tsr::cuda {
namespace {

struct RopeGeom {
  int heads, half, pt, ph, pw;  // half = head_dim/2 pairs; per-axis pair counts
  int gh, gw;                   // grid h, w
  const float2* cs_t;
  const float2* cs_h;
  const float2* cs_w;
};

template <class X, class Y>
__global__ void rope_kernel(const X* __restrict__ x, Y* __restrict__ y, int64_t tokens, RopeGeom g) {
  int64_t pairs_per_token = int64_t(g.heads) * g.half;
  int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= tokens * pairs_per_token) return;
  int64_t tok = i / pairs_per_token;
  int j = int(i % pairs_per_token) % g.half;  // pair index within the head
  int hw = g.gh * g.gw;
  int f = int(tok / hw), hh = int(tok % hw) / g.gw, ww = int(tok % g.gw);
  float2 c;
  if (j < g.pt) c = g.cs_t[f * g.pt + j];
  else if (j < g.pt + g.ph) c = g.cs_h[hh * g.ph + (j - g.pt)];
  else c = g.cs_w[ww * g.pw + (j - g.pt - g.ph)];
  float re = to_f32(x[2 * i]), im = to_f32(x[2 * i + 1]);
  y[2 * i] = from_f32<Y>(re * c.x - im * c.y);
  y[2 * i + 1] = from_f32<Y>(re * c.y + im * c.x);
}

}  // namespace

Status rope3d(const void* x, DType xt, void* y, DType yt, int heads, int head_dim, const int grid[3],
              const int pairs[3], const float2* const cs[3], cudaStream_t s) {
  int64_t tokens = int64_t(grid[0]) * grid[1] * grid[2];
  RopeGeom g{heads, head_dim / 2, pairs[0], pairs[1], pairs[2], grid[1], grid[2], cs[0], cs[1], cs[2]};
  int64_t n = tokens * heads * (head_dim / 2);
  if (n == 0) return OkStatus();
  using bf = __nv_bfloat16;
  unsigned b = blocks_for(n, 256);
  if (xt == DType::F32 && yt == DType::F32) rope_kernel<<<b, 256, 0, s>>>((const float*)x, (float*)y, tokens, g);
  else if (xt == DType::F32 && yt == DType::BF16) rope_kernel<<<b, 256, 0, s>>>((const float*)x, (bf*)y, tokens, g);
  else if (xt == DType::BF16 && yt == DType::F32) rope_kernel<<<b, 256, 0, s>>>((const bf*)x, (float*)y, tokens, g);
  else rope_kernel<<<b, 256, 0, s>>>((const bf*)x, (bf*)y, tokens, g);
  return check_launch("rope3d");
}

}  // namespace tsr::cuda
