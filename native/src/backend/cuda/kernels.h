// Host-side launchers of the CUDA backend's kernels (defined in the .cu files beside this).
// Each takes device pointers and a stream and returns the launch status; shapes are checked
// by the backend before calling.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "backend/backend.h"
#include "core/dtype.h"

namespace tsr::cuda {

enum class BinaryOp : uint8_t { Add, Mul };

// ---- elementwise (x, y may be f32 or bf16; n elements)
Status convert(const void* x, DType xt, void* y, DType yt, int64_t n, cudaStream_t s);
Status unary(const void* x, DType xt, void* y, DType yt, int64_t n, Act act, cudaStream_t s);
Status binary(const void* a, DType at, const void* b, DType bt, void* y, DType yt, int64_t n,
              BinaryOp op, cudaStream_t s);
// res[r, c] += y[r, c] * gate[c]  (gate may be null); res float32.
Status add_gated(float* res, const void* y, DType yt, const float* gate, int64_t rows, int64_t cols,
                 cudaStream_t s);
Status clamp(const void* x, DType xt, void* y, DType yt, int64_t n, float lo, float hi, cudaStream_t s);

// ---- norms over the last dim of [rows, cols]
// mode: 0 plain LN (w, b optional), 1 LN0 then *(1+scale)+shift, 2 RMS * w.
Status row_norm(const void* x, DType xt, void* y, DType yt, int64_t rows, int64_t cols, int mode,
                const float* w, const float* b, const float* shift, const float* scale, float eps,
                cudaStream_t s);
// VAE RMS over dim 0 of [C, P]: act(x / max(||x||, 1e-12) * sqrt(C) * gamma[C]).
Status channel_rms(const void* x, DType xt, void* y, DType yt, int64_t channels, int64_t positions,
                   const float* gamma, Act act, cudaStream_t s);

// ---- RoPE: x f32 or bf16 [tokens, heads*head_dim] -> y (may alias x when same dtype).
// cs[a] holds (cos, sin) for axis a (t, h, w): [grid[a]][pairs[a]], precomputed in float64.
Status rope3d(const void* x, DType xt, void* y, DType yt, int heads, int head_dim, const int grid[3],
              const int pairs[3], const float2* const cs[3], cudaStream_t s);

// ---- data movement (element size 2 or 4 bytes)
Status permute(const void* x, void* y, size_t elem, const int64_t* shape, const int* perm, int ndim,
               cudaStream_t s);
// Copies a [outer, inner_src] strided block: y[o, off + i] = x[o, i] with y row length inner_dst.
Status copy_block(const void* x, void* y, size_t elem, int64_t outer, int64_t inner_src,
                  int64_t src_stride, int64_t inner_dst_stride, int64_t dst_offset, cudaStream_t s);
Status embedding(const void* table, DType tt, const int32_t* ids, int64_t count, int64_t dim,
                 float* y, cudaStream_t s);
// [C, P] (f32 or bf16) -> channels-last [P, Cp] bf16, channels C..Cp-1 zero.
Status to_channels_last(const void* x, DType xt, __nv_bfloat16* y, int64_t channels, int64_t padded,
                        int64_t positions, cudaStream_t s);
Status upsample2x(const void* x, DType xt, void* y, int64_t planes, int64_t h, int64_t w,
                  cudaStream_t s);

// ---- GEMM: y[M,N] = act(x[M,K] · w[N,K]ᵀ + b) ; x, w bf16; output bf16 or f32;
// when res is set: res[M,N] += (x·wᵀ + b) ⊙ gate (gate may be null), y unused.
struct GemmArgs {
  const __nv_bfloat16* x = nullptr;
  const __nv_bfloat16* w = nullptr;
  const float* bias = nullptr;
  int64_t M = 0, N = 0, K = 0;
  Act act = Act::None;
  void* y = nullptr;
  DType yt = DType::BF16;
  float* res = nullptr;
  const float* gate = nullptr;
  bool force_own = false;  // bypass cuBLASLt (tests and benchmarks of the own kernel)
  // [M, N] buffer for library GEMMs whose activation/residual runs as a second kernel, of
  // gemm_scratch_bytes(args) bytes (fp32 when the result stays fp32, so precision matches the
  // fused kernel; bf16 when it is rounded to bf16 anyway).
  void* scratch = nullptr;
};
size_t gemm_scratch_bytes(const GemmArgs& a);
// Float32 operands (PreciseMatrix weights from float32 checkpoints): z[M,N] = x·wᵀ in TF32 on
// the tensor cores where cuBLASLt is there (fp32 FMA otherwise), then a's bias/act/residual.
// z is an [M, N] float32 scratch; a.x/a.w are ignored.
Status gemm_f32(const GemmArgs& a, const float* x, const float* w, float* z, cudaStream_t s);
Status gemm(const GemmArgs& a, cudaStream_t s);
bool gemm_uses_cublaslt();
// Applies bias, activation and the gated residual to a finished GEMM output z[M,N]:
// y = act(z + b), or res += (z + b) ⊙ gate. Used after library GEMMs without these epilogues.
Status gemm_epilogue(const GemmArgs& a, const void* z, DType zt, cudaStream_t s);

// ---- convolution (implicit GEMM): x [Cin, T, H, W] bf16, w [Cout, kt, kh, kw, Cin] bf16
// (re-laid-out at upload), y [Cout, To, Ho, Wo] f32.
struct ConvArgs {
  const __nv_bfloat16* x = nullptr;
  const __nv_bfloat16* w = nullptr;
  const float* bias = nullptr;
  float* y = nullptr;
  int cin = 0, cout = 0;
  int t = 0, h = 0, w_ = 0;
  int kt = 1, kh = 1, kw = 1;
  int st = 1, sh = 1, sw = 1;
  int pt0 = 0, ph0 = 0, pw0 = 0;  // leading zero padding (trailing padding follows from sizes)
  int to = 0, ho = 0, wo = 0;
};
Status conv3d(const ConvArgs& a, cudaStream_t s);

// ---- attention
struct AttnArgs {
  const __nv_bfloat16 *q = nullptr, *k = nullptr, *v = nullptr;
  __nv_bfloat16* o = nullptr;
  int64_t nq = 0, nk = 0;
  int heads = 1, head_dim = 0;
  float scale = 1.0f;
  int grid[3] = {0, 0, 0};
  int tile[3] = {1, 1, 1};
  const int* patterns = nullptr;  // device [heads][5]: kind, wt, wh, ww, global_frames
  bool sparse = false;            // any head non-dense (tile-ordered iteration)
  int key_len = -1;
  const float* rel_bias = nullptr;  // [buckets, heads]
  int num_buckets = 32, max_distance = 128;
  // float32 operands for the generic kernel (umT5); q/k/v/o above are then unused except o.
  const float *qf = nullptr, *kf = nullptr, *vf = nullptr;
};
// True when `attention` would use the FlashAttention-style family (bf16 operands) for a.
bool attention_uses_flash(const AttnArgs& a);
// Row softmax of s[rows, cols] (fp32) scaled by `scale` -> p (bf16).
Status softmax_rows(const float* s, __nv_bfloat16* p, int64_t rows, int64_t cols, float scale, cudaStream_t st);
// FlashAttention-style kernel family (head_dim 64/128, no bias) or attention_rows.
Status attention(const AttnArgs& a, bool allow_hopper, cudaStream_t s);
// Any head_dim, umT5's position bias, float32 operands (attention_rows.cu).
Status attention_rows(const AttnArgs& a, cudaStream_t s);
// Whether attention(..., allow_hopper = true, ...) runs the Hopper (sm_90a) kernels on the
// current device: built with sm_90a and the device is compute capability 9.0.
bool attention_hopper_available();

}  // namespace tsr::cuda
