// Attention dispatch: the FlashAttention-style kernel family (head_dim 64/128, no position
// bias) for DiT self- and cross-attention, and a generic kernel (any head_dim, umT5's
// relative position bias and key mask, the VAE's single 384-wide head, sparse patterns by
// per-key predicate) that favours simplicity over speed for those small workloads.
#include <cmath>

#include "backend/cuda/attention_sm80.cuh"

namespace tsr::cuda {
namespace {

// umT5 bidirectional relative position bucket (spec/wan21.md §6.2), fp32 log as the reference.
__device__ int t5_bucket(int rel, int num_buckets, int max_distance) {
  int half = num_buckets / 2;
  int base = rel > 0 ? half : 0;
  int n = rel < 0 ? -rel : rel;
  int exact = half / 2;
  if (n < exact) return base + n;
  float v = logf(float(n) / float(exact)) / logf(float(max_distance) / float(exact)) * float(half - exact);
  int b = exact + int(v);
  return base + min(b, half - 1);
}

__device__ bool pattern_keeps(const AttnArgs& a, const int* pat, int64_t qi, int64_t kj) {
  if (!pat || pat[0] == 0) return true;
  int hw = a.grid[1] * a.grid[2];
  int qf = int(qi / hw), qh = int(qi % hw) / a.grid[2], qw = int(qi % a.grid[2]);
  int kf = int(kj / hw), kh = int(kj % hw) / a.grid[2], kw = int(kj % a.grid[2]);
  if (pat[0] == 2) return qf == kf || kf < pat[4] || qf < pat[4];
  int qc[3] = {qf / a.tile[0], qh / a.tile[1], qw / a.tile[2]};
  int kc[3] = {kf / a.tile[0], kh / a.tile[1], kw / a.tile[2]};
  for (int ax = 0; ax < 3; ++ax) {
    int n = (a.grid[ax] + a.tile[ax] - 1) / a.tile[ax];
    int lo, hi;
    attn_detail::window_range(qc[ax], n, pat[1 + ax], lo, hi);
    if (kc[ax] < lo || kc[ax] > hi) return false;
  }
  return true;
}

// One block (4 warps) per (query, head): scores in shared memory, block softmax, P·V.
// T = __nv_bfloat16 or float operands.
template <class T>
__global__ void attention_generic_kernel(AttnArgs a, const T* __restrict__ Q, const T* __restrict__ Kp,
                                         const T* __restrict__ Vp) {
  extern __shared__ float sm[];
  const int d = a.head_dim;
  float* qv = sm;            // [d]
  float* sc = sm + d;        // [nk]
  __shared__ float scratch[32];
  const int64_t qi = blockIdx.x;
  const int h = blockIdx.y;
  const int64_t ld = int64_t(a.heads) * d;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  const int* pat = a.patterns ? a.patterns + h * 5 : nullptr;
  const int64_t klim = a.key_len >= 0 && a.key_len < a.nk ? int64_t(a.key_len) : a.nk;

  for (int c = threadIdx.x; c < d; c += blockDim.x) qv[c] = to_f32(Q[qi * ld + h * d + c]);
  __syncthreads();
  float mx = -INFINITY;
  for (int64_t j = warp; j < a.nk; j += nwarps) {
    float acc = 0.0f;
    const T* kr = Kp + j * ld + h * d;
    for (int c = lane; c < d; c += 32) acc += qv[c] * to_f32(kr[c]);
    acc = warp_sum(acc) * a.scale;
    if (a.rel_bias) acc += a.rel_bias[t5_bucket(int(j - qi), a.num_buckets, a.max_distance) * a.heads + h];
    bool keep = j < klim && pattern_keeps(a, pat, qi, j);
    if (!keep) acc = -INFINITY;
    if (lane == 0) sc[j] = acc;
    mx = fmaxf(mx, acc);
  }
  __syncthreads();
  // Block max (each warp's lane values are equal after warp_sum; reduce over warps).
  if (lane == 0) scratch[warp] = mx;
  __syncthreads();
  mx = -INFINITY;
  for (int w = 0; w < nwarps; ++w) mx = fmaxf(mx, scratch[w]);
  __syncthreads();
  float base = mx == -INFINITY ? 0.0f : mx;
  float sum = 0.0f;
  for (int64_t j = threadIdx.x; j < a.nk; j += blockDim.x) {
    float p = __expf(sc[j] - base);
    sc[j] = p;
    sum += p;
  }
  sum = block_sum(sum, scratch);
  float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
  __syncthreads();
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    float acc = 0.0f;
    for (int64_t j = 0; j < a.nk; ++j) acc += sc[j] * to_f32(Vp[j * ld + h * d + c]);
    a.o[qi * ld + h * d + c] = __float2bfloat16_rn(acc * inv);
  }
}

template <int D>
Status launch_flash(const AttnArgs& a, cudaStream_t s) {
  using Sm = attn_detail::Smem<D>;
  static bool configured = false;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(attention_sm80_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         int(Sm::total));
    if (e != cudaSuccess) return cuda_status(e, "attention smem attribute");
    configured = true;
  }
  AttnGeom g{};
  g.q = a.q; g.k = a.k; g.v = a.v; g.o = a.o;
  g.nq = a.nq; g.nk = a.nk; g.ld = int64_t(a.heads) * D;
  g.heads = a.heads;
  g.scale_log2 = a.scale * 1.4426950408889634f;
  g.key_len = a.key_len;
  g.patterns = a.patterns;
  g.tiled = a.sparse;
  unsigned blocks;
  if (a.sparse) {
    g.tile_tokens = 1;
    for (int ax = 0; ax < 3; ++ax) {
      g.g[ax] = a.grid[ax];
      g.t[ax] = a.tile[ax];
      g.nt[ax] = (a.grid[ax] + a.tile[ax] - 1) / a.tile[ax];
      g.tile_tokens *= a.tile[ax];
    }
    g.q_blocks_per_tile = (g.tile_tokens + Sm::BR - 1) / Sm::BR;
    blocks = unsigned(int64_t(g.nt[0]) * g.nt[1] * g.nt[2] * g.q_blocks_per_tile);
  } else {
    blocks = unsigned((a.nq + Sm::BR - 1) / Sm::BR);
  }
  attention_sm80_kernel<D><<<dim3(blocks, unsigned(a.heads)), 256, Sm::total, s>>>(g);
  return check_launch("attention_sm80");
}

}  // namespace

#ifdef TSR_HOPPER_ATTENTION
Status attention_sm90(const AttnArgs& a, cudaStream_t s, bool& handled);  // attention_sm90.cu
#endif

bool attention_uses_flash(const AttnArgs& a) {
  return !a.rel_bias && (a.head_dim == 64 || a.head_dim == 128);
}

Status attention(const AttnArgs& a, bool allow_hopper, cudaStream_t s) {
  if (a.nq == 0 || a.heads == 0) return OkStatus();
  bool flash = attention_uses_flash(a);
#ifdef TSR_HOPPER_ATTENTION
  if (flash && allow_hopper) {
    bool handled = false;
    Status st = attention_sm90(a, s, handled);
    if (!st.ok() || handled) return st;
  }
#endif
  if (flash && a.head_dim == 128) return launch_flash<128>(a, s);
  if (flash && a.head_dim == 64) return launch_flash<64>(a, s);
  size_t smem = size_t(a.head_dim + a.nk) * sizeof(float);
  if (smem > 200 * 1024)
    return Error(Code::Unsupported, "attention: %lld keys with head_dim %d exceed the generic kernel",
                 (long long)a.nk, a.head_dim);
  static size_t configured = 48 * 1024;
  if (smem > configured) {
    cudaError_t e = cudaFuncSetAttribute(attention_generic_kernel<float>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
    if (e == cudaSuccess)
      e = cudaFuncSetAttribute(attention_generic_kernel<__nv_bfloat16>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
    if (e != cudaSuccess) return cuda_status(e, "attention generic smem");
    configured = smem;
  }
  dim3 grid(unsigned(a.nq), unsigned(a.heads));
  if (a.qf) attention_generic_kernel<float><<<grid, 128, smem, s>>>(a, a.qf, a.kf, a.vf);
  else attention_generic_kernel<__nv_bfloat16><<<grid, 128, smem, s>>>(a, a.q, a.k, a.v);
  return check_launch("attention_generic");
}

}  // namespace tsr::cuda
