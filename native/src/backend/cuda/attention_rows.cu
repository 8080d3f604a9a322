// Attention outside the flash family: umT5's self-attention (relative position bias, padded
// keys masked, float32 operands, no scaling) and head sizes other than 64/128 (tiny test
// models, sparse patterns by per-key predicate).
//
// head_dim <= 128: a block owns 32 query rows of one head and streams the keys through shared
// memory 64 at a time with an online softmax, four threads per query row (each scores 16 of a
// chunk's keys and owns a quarter of the output columns). CUDA cores in float32: umT5's 512
// tokens make this small work, and reading each key once per 32 queries (not once per query,
// as the row kernel below does) is what matters. Wider heads: one block per (query, head),
// scores in shared memory.
#include <cmath>

#include "backend/cuda/attention_tiles.cuh"
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"

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

// Logit of (qi, kj) from its raw dot product: scale, umT5 bias, masks (-inf when excluded).
__device__ __forceinline__ float logit(const AttnArgs& a, const int* pat, int h, int64_t qi, int64_t kj,
                                       int64_t klim, float dot) {
  if (kj >= klim || !pattern_keeps(a, pat, qi, kj)) return -INFINITY;
  float v = dot * a.scale;
  if (a.rel_bias) v += a.rel_bias[t5_bucket(int(kj - qi), a.num_buckets, a.max_distance) * a.heads + h];
  return v;
}

template <int DMAX>
struct RowsTile {
  static constexpr int BQ = 32, BK = 64, THREADS = 128;
  static constexpr int DP = DMAX + 1, PP = BK + 1;  // padded rows: no bank conflicts across rows
  static constexpr size_t smem = size_t(BQ * DP + 2 * BK * DP + BQ * PP) * sizeof(float);
};

template <int DMAX, class T>
__global__ void __launch_bounds__(128) attention_rows_kernel(AttnArgs a, const T* __restrict__ Q,
                                                             const T* __restrict__ K, const T* __restrict__ V) {
  using S = RowsTile<DMAX>;
  constexpr int BQ = S::BQ, BK = S::BK, DP = S::DP, PP = S::PP, KPT = BK / 4, CPT = DMAX / 4;
  extern __shared__ float sm[];
  float* qs = sm;             // [BQ][DP]
  float* ks = qs + BQ * DP;   // [BK][DP]
  float* vs = ks + BK * DP;   // [BK][DP]
  float* ps = vs + BK * DP;   // [BQ][PP]
  const int d = a.head_dim, h = blockIdx.y;
  const int64_t ld = int64_t(a.heads) * d, q0 = int64_t(blockIdx.x) * BQ;
  const int t = threadIdx.x, r = t >> 2, part = t & 3;  // the 4 threads of a row are adjacent lanes
  const int64_t qi = q0 + r;
  const int* pat = a.patterns ? a.patterns + h * 5 : nullptr;
  const int64_t klim = a.key_len >= 0 && a.key_len < a.nk ? int64_t(a.key_len) : a.nk;

  for (int i = t; i < BQ * d; i += S::THREADS) {
    const int rr = i / d, c = i - rr * d;
    qs[rr * DP + c] = q0 + rr < a.nq ? to_f32(Q[(q0 + rr) * ld + h * d + c]) : 0.0f;
  }
  float m = -INFINITY, l = 0.0f, acc[CPT];
#pragma unroll
  for (int k = 0; k < CPT; ++k) acc[k] = 0.0f;

  for (int64_t k0 = 0; k0 < klim; k0 += BK) {
    __syncthreads();  // the previous chunk's keys, values and probabilities are consumed
    for (int i = t; i < BK * d; i += S::THREADS) {
      const int j = i / d, c = i - j * d;
      const bool in = k0 + j < klim;
      const int64_t at = (k0 + j) * ld + h * d + c;
      ks[j * DP + c] = in ? to_f32(K[at]) : 0.0f;
      vs[j * DP + c] = in ? to_f32(V[at]) : 0.0f;
    }
    __syncthreads();
    // Scores of keys part, part + 4, ... of the chunk (consecutive lanes read consecutive rows).
    float s[KPT];
#pragma unroll
    for (int i = 0; i < KPT; ++i) s[i] = 0.0f;
    for (int c = 0; c < d; ++c) {
      const float qv = qs[r * DP + c];
#pragma unroll
      for (int i = 0; i < KPT; ++i) s[i] = fmaf(qv, ks[(part + 4 * i) * DP + c], s[i]);
    }
    float cmax = -INFINITY;
#pragma unroll
    for (int i = 0; i < KPT; ++i) {
      s[i] = qi < a.nq ? logit(a, pat, h, qi, k0 + part + 4 * i, klim, s[i]) : -INFINITY;
      cmax = fmaxf(cmax, s[i]);
    }
    cmax = fmaxf(cmax, __shfl_xor_sync(0xffffffffu, cmax, 1));
    cmax = fmaxf(cmax, __shfl_xor_sync(0xffffffffu, cmax, 2));
    const float mnew = fmaxf(m, cmax);
    const float base = mnew == -INFINITY ? 0.0f : mnew;  // a row with nothing kept yet stays at 0
    const float corr = __expf(m - base);
    float psum = 0.0f;
#pragma unroll
    for (int i = 0; i < KPT; ++i) {
      const float p = __expf(s[i] - base);
      ps[r * PP + part + 4 * i] = p;
      psum += p;
    }
    psum += __shfl_xor_sync(0xffffffffu, psum, 1);
    psum += __shfl_xor_sync(0xffffffffu, psum, 2);
    l = l * corr + psum;
    m = mnew;
#pragma unroll
    for (int k = 0; k < CPT; ++k) acc[k] *= corr;
    __syncwarp();  // a row's probabilities were written by its own four lanes
    const int jn = klim - k0 < BK ? int(klim - k0) : BK;
    for (int j = 0; j < jn; ++j) {
      const float p = ps[r * PP + j];
#pragma unroll
      for (int k = 0; k < CPT; ++k)
        if (part + 4 * k < d) acc[k] = fmaf(p, vs[j * DP + part + 4 * k], acc[k]);
    }
  }
  if (qi >= a.nq) return;
  const float inv = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
  for (int k = 0; k < CPT; ++k) {
    const int c = part + 4 * k;
    if (c < d) a.o[qi * ld + h * d + c] = __float2bfloat16_rn(acc[k] * inv);
  }
}

// One block (4 warps) per (query, head): scores in shared memory, block softmax, P·V.
// For heads wider than 128 (the VAE's 384-wide head when it cannot take the GEMM route).
template <class T>
__global__ void attention_wide_kernel(AttnArgs a, const T* __restrict__ Q, const T* __restrict__ Kp,
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
    acc = logit(a, pat, h, qi, j, klim, warp_sum(acc));
    if (lane == 0) sc[j] = acc;
    mx = fmaxf(mx, acc);
  }
  __syncthreads();
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

template <int DMAX>
Status launch_rows(const AttnArgs& a, cudaStream_t s) {
  using S = RowsTile<DMAX>;
  static bool configured = false;
  if (!configured) {
    for (const void* f : {(const void*)attention_rows_kernel<DMAX, float>,
                          (const void*)attention_rows_kernel<DMAX, __nv_bfloat16>}) {
      cudaError_t e = cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, int(S::smem));
      if (e != cudaSuccess) return cuda_status(e, "attention rows smem attribute");
    }
    configured = true;
  }
  dim3 grid(unsigned((a.nq + S::BQ - 1) / S::BQ), unsigned(a.heads));
  if (a.qf) attention_rows_kernel<DMAX, float><<<grid, S::THREADS, S::smem, s>>>(a, a.qf, a.kf, a.vf);
  else attention_rows_kernel<DMAX, __nv_bfloat16><<<grid, S::THREADS, S::smem, s>>>(a, a.q, a.k, a.v);
  return check_launch("attention_rows");
}

}  // namespace

Status attention_rows(const AttnArgs& a, cudaStream_t s) {
  if (a.head_dim <= 64) return launch_rows<64>(a, s);
  if (a.head_dim <= 128) return launch_rows<128>(a, s);
  size_t smem = size_t(a.head_dim + a.nk) * sizeof(float);
  if (smem > 200 * 1024)
    return Error(Code::Unsupported, "attention: %lld keys with head_dim %d exceed the generic kernel",
                 (long long)a.nk, a.head_dim);
  static size_t configured = 48 * 1024;
  if (smem > configured) {
    cudaError_t e = cudaFuncSetAttribute(attention_wide_kernel<float>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
    if (e == cudaSuccess)
      e = cudaFuncSetAttribute(attention_wide_kernel<__nv_bfloat16>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
    if (e != cudaSuccess) return cuda_status(e, "attention generic smem");
    configured = smem;
  }
  dim3 grid(unsigned(a.nq), unsigned(a.heads));
  if (a.qf) attention_wide_kernel<float><<<grid, 128, smem, s>>>(a, a.qf, a.kf, a.vf);
  else attention_wide_kernel<__nv_bfloat16><<<grid, 128, smem, s>>>(a, a.q, a.k, a.v);
  return check_launch("attention_wide");
}

}  // namespace tsr::cuda
