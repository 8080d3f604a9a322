// bf16 GEMMs through cuBLASLt on machines whose CUDA toolkit has it (the GPU build). Row-major
// y[M,N] = x[M,K]·w[N,K]ᵀ is the column-major product yᵀ = w·xᵀ, i.e. A = w transposed, B = x.
// Bias is fused through the BIAS epilogue; activation and the gated residual run in a small
// elementwise kernel (gemm_epilogue) so the numerics match the own kernel's exactly (tanh GELU).
#ifdef TSR_WITH_CUBLASLT
#include <cublasLt.h>

#include <map>
#include <mutex>
#include <tuple>

#include "backend/cuda/cuda_status.h"
#include "backend/cuda/kernels.h"

namespace tsr::cuda {
namespace {

Status lt_status(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return OkStatus();
  return Error(s == CUBLAS_STATUS_ALLOC_FAILED ? Code::OutOfMemory : Code::Backend, "%s: cuBLASLt status %d", what, int(s));
}

struct LtState {
  cublasLtHandle_t handle = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 32u << 20;
  std::map<std::tuple<int64_t, int64_t, int64_t, int>, cublasLtMatmulAlgo_t> algos;
  std::mutex mu;
};

LtState& state() {
  static LtState st;
  return st;
}

}  // namespace

Status gemm_cublaslt(const GemmArgs& a, cudaStream_t s) {
  LtState& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  if (!st.handle) {
    TSR_RETURN_IF_ERROR(lt_status(cublasLtCreate(&st.handle), "cublasLtCreate"));
    TSR_RETURN_IF_ERROR(cuda_status(cudaMalloc(&st.workspace, st.workspace_bytes), "cuBLASLt workspace"));
  }
  // Direct bf16 output with the bias epilogue when no activation or residual follows.
  const bool direct = !a.res && a.act == Act::None && a.yt == DType::BF16;
  void* out = direct ? a.y : a.scratch;
  if (!out) return Error(Code::Internal, "cuBLASLt GEMM with an epilogue needs a scratch buffer");
  const bool f32_result = !direct && (a.res || a.yt == DType::F32);
  const cudaDataType_t ct = f32_result ? CUDA_R_32F : CUDA_R_16BF;
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  Status result;
  do {
    if (!(result = lt_status(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "desc")).ok()) break;
    cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta);
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb);
    bool fuse_bias = direct && a.bias;
    if (fuse_bias) {
      cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;
      cudaDataType_t bt = CUDA_R_32F;
      cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi);
      cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &a.bias, sizeof a.bias);
      cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof bt);
    }
    cublasLtMatrixLayoutCreate(&la, CUDA_R_16BF, uint64_t(a.K), uint64_t(a.N), a.K);
    cublasLtMatrixLayoutCreate(&lb, CUDA_R_16BF, uint64_t(a.K), uint64_t(a.M), a.K);
    cublasLtMatrixLayoutCreate(&lc, ct, uint64_t(a.N), uint64_t(a.M), a.N);
    auto key = std::make_tuple(a.M, a.N, a.K, int(fuse_bias) | (f32_result ? 2 : 0));
    auto it = st.algos.find(key);
    if (it == st.algos.end()) {
      cublasLtMatmulPreference_t pref = nullptr;
      cublasLtMatmulPreferenceCreate(&pref);
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &st.workspace_bytes,
                                           sizeof st.workspace_bytes);
      cublasLtMatmulHeuristicResult_t heur{};
      int found = 0;
      cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(st.handle, op, la, lb, lc, lc, pref, 1, &heur, &found);
      cublasLtMatmulPreferenceDestroy(pref);
      if (hs != CUBLAS_STATUS_SUCCESS || found == 0) {
        result = Error(Code::Unsupported, "cuBLASLt has no algorithm for %lldx%lldx%lld", (long long)a.M,
                       (long long)a.N, (long long)a.K);
        break;
      }
      it = st.algos.emplace(key, heur.algo).first;
    }
    float alpha = 1.0f, beta = 0.0f;
    result = lt_status(cublasLtMatmul(st.handle, op, &alpha, a.w, la, a.x, lb, &beta, out, lc, out, lc, &it->second,
                                      st.workspace, st.workspace_bytes, s),
                       "cublasLtMatmul");
  } while (false);
  if (lc) cublasLtMatrixLayoutDestroy(lc);
  if (lb) cublasLtMatrixLayoutDestroy(lb);
  if (la) cublasLtMatrixLayoutDestroy(la);
  if (op) cublasLtMatmulDescDestroy(op);
  if (!result.ok()) {
    // Fall back to the own kernel rather than failing the generation.
    GemmArgs own = a;
    own.force_own = true;
    return gemm(own, s);
  }
  if (!direct) return gemm_epilogue(a, out, f32_result ? DType::F32 : DType::BF16, s);
  return OkStatus();
}

}  // namespace tsr::cuda
#endif
