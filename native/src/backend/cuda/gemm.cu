// Linear layers: y = act(x·wᵀ + b) or the fused gated residual res += (x·wᵀ + b)⊙gate.
// Uses cuBLASLt where the build has it (GELU/residual applied by a second small kernel),
// otherwise the portable tensor-core kernel of gemm_sm80.cuh with the epilogue fused.
#include "backend/cuda/gemm_sm80.cuh"
#include "backend/cuda/kernels.h"

namespace tsr::cuda {
namespace {

template <class Y>
struct LinearEpilogue {
  Y* y;
  const float* bias;
  Act act;
  float* res;
  const float* gate;
  __device__ void apply(int64_t m, int64_t col, float v, int64_t N) const {
    v += bias ? bias[col] : 0.0f;
    if (res) {
      res[m * N + col] += v * (gate ? gate[col] : 1.0f);
    } else {
      if (act == Act::GeluTanh) v = gelu_tanh(v);
      else if (act == Act::Silu) v = silu(v);
      y[m * N + col] = from_f32<Y>(v);
    }
  }
  __device__ void operator()(int64_t m, int64_t n, float v0, float v1, int64_t M, int64_t N) const {
    if (m >= M) return;
    if (n < N) apply(m, n, v0, N);
    if (n + 1 < N) apply(m, n + 1, v1, N);
  }
};

template <class Y>
Status launch_linear(const GemmArgs& a, cudaStream_t s) {
  using G = GemmTile;
  static bool configured = false;  // per template instance
  auto kernel = gemm_sm80_kernel<G, MatrixB, LinearEpilogue<Y>>;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(G::smem_bytes()));
    if (e != cudaSuccess) return cuda_status(e, "gemm smem attribute");
    configured = true;
  }
  dim3 grid(unsigned((a.N + G::BN - 1) / G::BN), unsigned((a.M + G::BM - 1) / G::BM));
  MatrixB b{a.w, a.N, a.K};
  LinearEpilogue<Y> epi{static_cast<Y*>(a.y), a.bias, a.act, a.res, a.gate};
  kernel<<<grid, G::THREADS, G::smem_bytes(), s>>>(a.x, a.M, a.K, b, a.N, epi);
  return check_launch("gemm_sm80");
}

// Fallback for K % 8 != 0 (never in Wan models; kept for arbitrary test shapes): one thread
// per output, fp32 accumulation.
template <class Y>
__global__ void gemm_simple_kernel(GemmArgs a) {
  int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (idx >= a.M * a.N) return;
  int64_t m = idx / a.N, n = idx % a.N;
  float acc = 0.0f;
  for (int64_t k = 0; k < a.K; ++k) acc += __bfloat162float(a.x[m * a.K + k]) * __bfloat162float(a.w[n * a.K + k]);
  LinearEpilogue<Y>{static_cast<Y*>(a.y), a.bias, a.act, a.res, a.gate}.apply(m, n, acc, a.N);
}

// Rows over blockIdx (grid-stride), columns over threads: no per-element 64-bit division.
template <class Y, class Z>
__global__ void epilogue_kernel(GemmArgs a, const Z* __restrict__ z) {
  LinearEpilogue<Y> epi{static_cast<Y*>(a.y), a.bias, a.act, a.res, a.gate};
  for (int64_t m = blockIdx.y * int64_t(gridDim.x) + blockIdx.x; m < a.M; m += int64_t(gridDim.x) * gridDim.y)
    for (int64_t n = threadIdx.x; n < a.N; n += blockDim.x) epi.apply(m, n, to_f32(z[m * a.N + n]), a.N);
}

__global__ void gemm_f32_simple_kernel(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ z,
                                       int64_t M, int64_t N, int64_t K) {
  int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  for (int64_t m = blockIdx.y; m < M; m += gridDim.y) {
    if (n >= N) return;
    float acc = 0.0f;
    for (int64_t k = 0; k < K; ++k) acc += x[m * K + k] * w[n * K + k];
    z[m * N + n] = acc;
  }
}

}  // namespace

#ifdef TSR_WITH_CUBLASLT
Status gemm_f32_cublaslt(const float* x, const float* w, float* z, int64_t M, int64_t N, int64_t K, cudaStream_t s);
#endif

Status gemm_f32(const GemmArgs& a, const float* x, const float* w, float* z, cudaStream_t s) {
  if (a.M == 0 || a.N == 0) return OkStatus();
  Status st = Error(Code::Unsupported, "no TF32 library path");
#ifdef TSR_WITH_CUBLASLT
  st = gemm_f32_cublaslt(x, w, z, a.M, a.N, a.K, s);
#endif
  if (!st.ok()) {
    dim3 grid(unsigned((a.N + 127) / 128), unsigned(a.M < 65535 ? a.M : 65535));
    gemm_f32_simple_kernel<<<grid, 128, 0, s>>>(x, w, z, a.M, a.N, a.K);
    TSR_RETURN_IF_ERROR(check_launch("gemm_f32_simple"));
  }
  return gemm_epilogue(a, z, DType::F32, s);
}

Status gemm_epilogue(const GemmArgs& a, const void* z, DType zt, cudaStream_t s) {
  dim3 blocks(unsigned(a.M < 8192 ? a.M : 8192), unsigned(a.M > 8192 ? 8 : 1));
  using bf = __nv_bfloat16;
  bool f32_out = a.res || a.yt == DType::F32;
  if (zt == DType::F32) {
    if (f32_out) epilogue_kernel<float, float><<<blocks, 256, 0, s>>>(a, (const float*)z);
    else epilogue_kernel<bf, float><<<blocks, 256, 0, s>>>(a, (const float*)z);
  } else {
    if (f32_out) epilogue_kernel<float, bf><<<blocks, 256, 0, s>>>(a, (const bf*)z);
    else epilogue_kernel<bf, bf><<<blocks, 256, 0, s>>>(a, (const bf*)z);
  }
  return check_launch("gemm_epilogue");
}

#ifdef TSR_WITH_CUBLASLT
Status gemm_cublaslt(const GemmArgs& a, cudaStream_t s);  // gemm_cublaslt.cc
bool gemm_cublaslt_direct(const GemmArgs& a);
bool gemm_uses_cublaslt() { return true; }
#else
bool gemm_uses_cublaslt() { return false; }
bool gemm_cublaslt_direct(const GemmArgs&) { return true; }
#endif

size_t gemm_scratch_bytes(const GemmArgs& a) {
  if (!gemm_uses_cublaslt() || a.force_own || a.K % 8 != 0 || gemm_cublaslt_direct(a)) return 0;
  return size_t(a.M) * a.N * ((a.res || a.yt == DType::F32) ? 4 : 2);
}

Status gemm(const GemmArgs& a, cudaStream_t s) {
  if (a.M == 0 || a.N == 0) return OkStatus();
#ifdef TSR_WITH_CUBLASLT
  if (a.K % 8 == 0 && !a.force_own) return gemm_cublaslt(a, s);
#endif
  if (a.K % 8 != 0) {
    unsigned blocks = blocks_for(a.M * a.N, 256);
    if (a.res || a.yt == DType::F32) gemm_simple_kernel<float><<<blocks, 256, 0, s>>>(a);
    else gemm_simple_kernel<__nv_bfloat16><<<blocks, 256, 0, s>>>(a);
    return check_launch("gemm_simple");
  }
  if (a.res || a.yt == DType::F32) return launch_linear<float>(a, s);
  return launch_linear<__nv_bfloat16>(a, s);
}

}  // namespace tsr::cuda
