// bf16 GEMMs through cuBLASLt on machines whose CUDA toolkit has it (the GPU build). Row-major
// y[M,N] = x[M,K]·w[N,K]ᵀ is the column-major product yᵀ = w·xᵀ, i.e. A = w transposed, B = x.
// Tanh GELU with its bias is a fused epilogue when this cuBLASLt's GELU is that one; a bias
// alone, the gated residual and float32 outputs run through the elementwise gemm_epilogue.
#ifdef TSR_WITH_CUBLASLT
#include <cublasLt.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>
#include <mutex>
#include <tuple>

#include "backend/cuda/cuda_status.h"
#include "backend/cuda/kernels.h"
#include "core/dtype.h"

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

// Operand types of one product: bf16 inputs with fp32 accumulation, or fp32 inputs in TF32.
struct LtTypes {
  cudaDataType_t ab = CUDA_R_16BF;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
};

// One cuBLASLt matmul out = epi(x·wᵀ) (M, N, K and the bias from a; operands x, w of types t.ab)
// into `out` of type ct.
Status lt_matmul(LtState& st, const GemmArgs& a, const void* x, const void* w, LtTypes t, void* out,
                 cudaDataType_t ct, cublasLtEpilogue_t epi, cudaStream_t s) {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  Status result;
  do {
    if (!(result = lt_status(cublasLtMatmulDescCreate(&op, t.compute, CUDA_R_32F), "desc")).ok()) break;
    cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta);
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb);
    if (epi != CUBLASLT_EPILOGUE_DEFAULT) {
      cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi);
      if (a.bias) {
        cudaDataType_t bt = CUDA_R_32F;
        cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &a.bias, sizeof a.bias);
        cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bt, sizeof bt);
      }
    }
    cublasLtMatrixLayoutCreate(&la, t.ab, uint64_t(a.K), uint64_t(a.N), a.K);
    cublasLtMatrixLayoutCreate(&lb, t.ab, uint64_t(a.K), uint64_t(a.M), a.K);
    cublasLtMatrixLayoutCreate(&lc, ct, uint64_t(a.N), uint64_t(a.M), a.N);
    auto key = std::make_tuple(a.M, a.N, a.K, int(epi) * 8 + (ct == CUDA_R_32F ? 1 : 0) + (t.ab == CUDA_R_32F ? 2 : 0));
    float alpha = 1.0f, beta = 0.0f;
    auto it = st.algos.find(key);
    if (it == st.algos.end()) {
      // The first choice of the heuristic can be several times slower with an epilogue
      // (measured: 3.5x with the bias epilogue at 32760x8960x1536 on an H100), so the first
      // call of each shape times the top candidates on the real operands and keeps the fastest.
      cublasLtMatmulPreference_t pref = nullptr;
      cublasLtMatmulPreferenceCreate(&pref);
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &st.workspace_bytes,
                                           sizeof st.workspace_bytes);
      cublasLtMatmulHeuristicResult_t heur[8] = {};
      int found = 0;
      cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(st.handle, op, la, lb, lc, lc, pref, 8, heur, &found);
      cublasLtMatmulPreferenceDestroy(pref);
      if (hs != CUBLAS_STATUS_SUCCESS || found == 0) {
        result = Error(Code::Unsupported, "cuBLASLt has no algorithm for %lldx%lldx%lld", (long long)a.M,
                       (long long)a.N, (long long)a.K);
        break;
      }
      int best = 0;
      if (found > 1) {
        cudaEvent_t e0 = nullptr, e1 = nullptr;
        cudaEventCreate(&e0);
        cudaEventCreate(&e1);
        float best_ms = 1e30f;
        for (int i = 0; i < found; ++i) {
          float total = 0.0f;
          bool ran = true;
          for (int rep = 0; rep < 3 && ran; ++rep) {
            cudaEventRecord(e0, s);
            ran = cublasLtMatmul(st.handle, op, &alpha, w, la, x, lb, &beta, out, lc, out, lc, &heur[i].algo,
                                 st.workspace, st.workspace_bytes, s) == CUBLAS_STATUS_SUCCESS;
            cudaEventRecord(e1, s);
            cudaEventSynchronize(e1);
            float ms = 0.0f;
            cudaEventElapsedTime(&ms, e0, e1);
            if (rep > 0) total += ms;  // the first run warms up
          }
          if (ran && total < best_ms) { best_ms = total; best = i; }
        }
        cudaEventDestroy(e0);
        cudaEventDestroy(e1);
        cudaGetLastError();
      }
      it = st.algos.emplace(key, heur[best].algo).first;
    }
    result = lt_status(cublasLtMatmul(st.handle, op, &alpha, w, la, x, lb, &beta, out, lc, out, lc, &it->second,
                                      st.workspace, st.workspace_bytes, s),
                       "cublasLtMatmul");
  } while (false);
  if (lc) cublasLtMatrixLayoutDestroy(lc);
  if (lb) cublasLtMatrixLayoutDestroy(lb);
  if (la) cublasLtMatrixLayoutDestroy(la);
  if (op) cublasLtMatmulDescDestroy(op);
  return result;
}

Status ensure_handle(LtState& st) {
  if (st.handle) return OkStatus();
  TSR_RETURN_IF_ERROR(lt_status(cublasLtCreate(&st.handle), "cublasLtCreate"));
  return cuda_status(cudaMalloc(&st.workspace, st.workspace_bytes), "cuBLASLt workspace");
}

// Whether this cuBLASLt's GELU epilogue is the tanh approximation the models use (the
// documentation does not pin it down): multiply a column of known pre-activations by ones and
// compare the bf16 output with tanh- and erf-GELU. Decided once per process.
bool probe_gelu_is_tanh(LtState& st) {
  const int M = 64, N = 8, K = 8;
  std::vector<uint16_t> x(M * K), w(N * K, f32_to_bf16(1.0f));
  std::vector<double> pre(M);
  for (int m = 0; m < M; ++m) {
    pre[m] = -4.0 + 8.0 * m / (M - 1);
    float part = bf16_to_f32(f32_to_bf16(float(pre[m] / K)));
    pre[m] = double(part) * K;
    for (int k = 0; k < K; ++k) x[m * K + k] = f32_to_bf16(part);
  }
  void *dx = nullptr, *dw = nullptr, *dy = nullptr;
  bool tanh_fits = false;
  if (cudaMalloc(&dx, x.size() * 2) == cudaSuccess && cudaMalloc(&dw, w.size() * 2) == cudaSuccess &&
      cudaMalloc(&dy, size_t(M) * N * 2) == cudaSuccess) {
    cudaMemcpy(dx, x.data(), x.size() * 2, cudaMemcpyHostToDevice);
    cudaMemcpy(dw, w.data(), w.size() * 2, cudaMemcpyHostToDevice);
    GemmArgs a;
    a.x = static_cast<const __nv_bfloat16*>(dx);
    a.w = static_cast<const __nv_bfloat16*>(dw);
    a.M = M; a.N = N; a.K = K;
    if (lt_matmul(st, a, dx, dw, LtTypes{}, dy, CUDA_R_16BF, CUBLASLT_EPILOGUE_GELU, nullptr).ok() &&
        cudaDeviceSynchronize() == cudaSuccess) {
      std::vector<uint16_t> y(size_t(M) * N);
      cudaMemcpy(y.data(), dy, y.size() * 2, cudaMemcpyDeviceToHost);
      double err_tanh = 0, err_erf = 0;
      for (int m = 0; m < M; ++m) {
        double v = pre[m];
        double gt = 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
        double ge = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        double got = bf16_to_f32(y[size_t(m) * N]);
        err_tanh = std::max(err_tanh, std::fabs(got - gt));
        err_erf = std::max(err_erf, std::fabs(got - ge));
      }
      tanh_fits = err_tanh < err_erf && err_tanh < 2e-2;
    }
  }
  cudaGetLastError();
  cudaFree(dx);
  cudaFree(dw);
  cudaFree(dy);
  return tanh_fits;
}

bool fused_gelu(LtState& st) {
  static int decided = -1;
  if (decided < 0) decided = ensure_handle(st).ok() && probe_gelu_is_tanh(st) ? 1 : 0;
  return decided == 1;
}

}  // namespace

// Float32 operands on the tensor cores in TF32 (cuBLASLt's FAST_TF32 compute), f32 result.
Status gemm_f32_cublaslt(const float* x, const float* w, float* z, int64_t M, int64_t N, int64_t K, cudaStream_t s) {
  LtState& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  TSR_RETURN_IF_ERROR(ensure_handle(st));
  GemmArgs a;
  a.M = M; a.N = N; a.K = K;
  return lt_matmul(st, a, x, w, LtTypes{CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32}, z, CUDA_R_32F,
                   CUBLASLT_EPILOGUE_DEFAULT, s);
}

// A bias alone is not fused: cuBLASLt's BIAS epilogue with a float32 bias measured 3.3-3.5x
// slower than the plain product on an H100 (NOTES-cuda.md, run 14), so the bias is added by the
// elementwise epilogue after a plain GEMM. GELU_BIAS was faster than GEMM + epilogue pass.
bool gemm_cublaslt_direct(const GemmArgs& a) {
  if (a.res || a.yt != DType::BF16) return false;
  if (a.act == Act::None) return a.bias == nullptr;
  LtState& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  return a.act == Act::GeluTanh && fused_gelu(st);
}

Status gemm_cublaslt(const GemmArgs& a, cudaStream_t s) {
  const bool direct = gemm_cublaslt_direct(a);
  LtState& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  TSR_RETURN_IF_ERROR(ensure_handle(st));
  void* out = direct ? a.y : a.scratch;
  if (!out) return Error(Code::Internal, "cuBLASLt GEMM with an epilogue needs a scratch buffer");
  const bool f32_result = !direct && (a.res || a.yt == DType::F32);
  cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_DEFAULT;
  if (direct && a.act == Act::GeluTanh) epi = a.bias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
  Status result = lt_matmul(st, a, a.x, a.w, LtTypes{}, out, f32_result ? CUDA_R_32F : CUDA_R_16BF, epi, s);
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
