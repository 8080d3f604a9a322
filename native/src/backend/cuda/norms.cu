// Row norms over the last dimension (LayerNorm, adaLN modulate, RMSNorm) and the VAE's
// channel RMS norm. Statistics in float32 with a two-pass mean/variance over the row held
// in registers/L1 (rows are at most a few thousand wide).
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"

namespace tsr::cuda {
namespace {

template <class X, class Y>
__global__ void row_norm_kernel(const X* __restrict__ x, Y* __restrict__ y, int64_t cols, int mode,
                                const float* __restrict__ w, const float* __restrict__ b,
                                const float* __restrict__ shift, const float* __restrict__ scale,
                                float eps) {
  __shared__ float scratch[32];
  const X* xr = x + blockIdx.x * cols;
  Y* yr = y + blockIdx.x * cols;
  float mean = 0.0f, inv = 0.0f;
  if (mode == 2) {  // RMS
    float ss = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      float v = to_f32(xr[c]);
      ss += v * v;
    }
    ss = block_sum(ss, scratch);
    inv = rsqrtf(ss / float(cols) + eps);
  } else {
    float sum = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += to_f32(xr[c]);
    mean = block_sum(sum, scratch) / float(cols);
    float var = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      float d = to_f32(xr[c]) - mean;
      var += d * d;
    }
    var = block_sum(var, scratch) / float(cols);
    inv = rsqrtf(var + eps);
  }
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    float v = (to_f32(xr[c]) - mean) * inv;
    if (mode == 0) {
      if (w) v *= w[c];
      if (b) v += b[c];
    } else if (mode == 1) {
      v = v * (1.0f + scale[c]) + shift[c];
    } else {
      v *= w[c];
    }
    yr[c] = from_f32<Y>(v);
  }
}

// One thread per position: channels are strided by `positions`, so neighbouring threads
// read neighbouring addresses (coalesced).
template <class X, class Y>
__global__ void channel_rms_kernel(const X* __restrict__ x, Y* __restrict__ y, int64_t channels,
                                   int64_t positions, const float* __restrict__ gamma, Act act) {
  int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (p >= positions) return;
  float ss = 0.0f;
  for (int64_t c = 0; c < channels; ++c) {
    float v = to_f32(x[c * positions + p]);
    ss += v * v;
  }
  float scale = sqrtf(float(channels)) / fmaxf(sqrtf(ss), 1e-12f);
  for (int64_t c = 0; c < channels; ++c) {
    float v = to_f32(x[c * positions + p]) * scale * gamma[c];
    if (act == Act::Silu) v = silu(v);
    else if (act == Act::GeluTanh) v = gelu_tanh(v);
    y[c * positions + p] = from_f32<Y>(v);
  }
}

__global__ void softmax_rows_kernel(const float* __restrict__ s, __nv_bfloat16* __restrict__ p, int64_t cols,
                                    float scale) {
  __shared__ float scratch[32];
  const float* row = s + blockIdx.x * cols;
  __nv_bfloat16* out = p + blockIdx.x * cols;
  float mx = -INFINITY;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) mx = fmaxf(mx, row[c]);
  // block max via the sum helper's scratch: reduce in two steps
  mx = warp_max(mx);
  __syncthreads();
  if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = mx;
  __syncthreads();
  mx = -INFINITY;
  for (int w = 0; w < int(blockDim.x >> 5); ++w) mx = fmaxf(mx, scratch[w]);
  float sum = 0.0f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += __expf((row[c] - mx) * scale);
  sum = block_sum(sum, scratch);
  float inv = 1.0f / sum;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) out[c] = __float2bfloat16_rn(__expf((row[c] - mx) * scale) * inv);
}

int threads_for(int64_t cols) {
  int t = 32;
  while (t < 1024 && t < cols / 4) t *= 2;
  return t;
}

}  // namespace

Status row_norm(const void* x, DType xt, void* y, DType yt, int64_t rows, int64_t cols, int mode,
                const float* w, const float* b, const float* shift, const float* scale, float eps,
                cudaStream_t s) {
  if (rows == 0) return OkStatus();
  using bf = __nv_bfloat16;
  int t = threads_for(cols);
  unsigned g = unsigned(rows);
  if (xt == DType::F32 && yt == DType::F32) row_norm_kernel<<<g, t, 0, s>>>((const float*)x, (float*)y, cols, mode, w, b, shift, scale, eps);
  else if (xt == DType::F32 && yt == DType::BF16) row_norm_kernel<<<g, t, 0, s>>>((const float*)x, (bf*)y, cols, mode, w, b, shift, scale, eps);
  else if (xt == DType::BF16 && yt == DType::F32) row_norm_kernel<<<g, t, 0, s>>>((const bf*)x, (float*)y, cols, mode, w, b, shift, scale, eps);
  else row_norm_kernel<<<g, t, 0, s>>>((const bf*)x, (bf*)y, cols, mode, w, b, shift, scale, eps);
  return check_launch("row_norm");
}

Status softmax_rows(const float* s, __nv_bfloat16* p, int64_t rows, int64_t cols, float scale, cudaStream_t st) {
  if (rows == 0) return OkStatus();
  softmax_rows_kernel<<<unsigned(rows), 256, 0, st>>>(s, p, cols, scale);
  return check_launch("softmax_rows");
}

Status channel_rms(const void* x, DType xt, void* y, DType yt, int64_t channels, int64_t positions,
                   const float* gamma, Act act, cudaStream_t s) {
  if (positions == 0) return OkStatus();
  using bf = __nv_bfloat16;
  unsigned g = blocks_for(positions, 256);
  if (xt == DType::F32 && yt == DType::F32) channel_rms_kernel<<<g, 256, 0, s>>>((const float*)x, (float*)y, channels, positions, gamma, act);
  else if (xt == DType::F32 && yt == DType::BF16) channel_rms_kernel<<<g, 256, 0, s>>>((const float*)x, (bf*)y, channels, positions, gamma, act);
  else if (xt == DType::BF16 && yt == DType::F32) channel_rms_kernel<<<g, 256, 0, s>>>((const bf*)x, (float*)y, channels, positions, gamma, act);
  else channel_rms_kernel<<<g, 256, 0, s>>>((const bf*)x, (bf*)y, channels, positions, gamma, act);
  return check_launch("channel_rms");
}

}  // namespace tsr::cuda
