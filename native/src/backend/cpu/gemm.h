// Float32 GEMM with fused epilogues, the engine of linear() and conv3d():
//
//   C[M,N] = act(A[M,K] · B[K,N] + bias_m[M] + bias_n[N])          (plain)
//   R[M,N] += (A · B + bias_m + bias_n) ⊙ gate[N]                    (residual; act must be None)
//
// A is row-major with leading dimension lda. B is either a weight matrix W[N,K] (B = Wᵀ, the
// layout of linear weights) or any source that can pack a panel of itself (conv3d packs
// its implicit im2col straight from the input, so the column matrix never exists).
//
// Blocking follows the usual three-level scheme: B panels of KC×NC packed once and shared by
// all threads, A blocks of MC×KC packed per thread, and an MR×NR register-blocked
// micro-kernel compiled per instruction set (gemm_ukernel_*.cc) and chosen at run time.
#pragma once

#include <cstdint>

#include "backend/backend.h"
#include "core/status.h"
#include "core/threadpool.h"

namespace tsr::cpu {

// Fills one packed panel of B: columns [j0, j0+nc) (nc <= nr) and rows k in [p0, p0+kc) go to
// dst[k*nr + c]; columns c >= nc must be written as zeros.
using PackPanelFn = void (*)(const void* ctx, int64_t j0, int64_t nc, int64_t p0, int64_t kc, int nr,
                             float* dst);

struct BSource {
  const float* w = nullptr;  // W[N,K] row-major, B = Wᵀ
  int64_t ldw = 0;
  const float* packed = nullptr;  // or W pre-packed in panels of packed_nr (packed_weight.h)
  int packed_nr = 0;
  PackPanelFn pack = nullptr;  // or a custom packer with its context
  const void* ctx = nullptr;
};

struct GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  const float* A = nullptr;
  int64_t lda = 0;
  BSource B;
  float* C = nullptr;  // plain mode output
  int64_t ldc = 0;
  const float* bias_m = nullptr;  // one per row (conv output channel)
  const float* bias_n = nullptr;  // one per column (linear output feature)
  Act act = Act::None;
  float* R = nullptr;  // residual mode when set: R += result ⊙ gate
  int64_t ldr = 0;
  const float* gate = nullptr;  // per column; null = 1
  // Residual mode with K spanning several blocks keeps partial sums in an M×N scratch:
  // supply it (gemm_residual_needs_work) to have it come from the backend's allocator,
  // otherwise gemm() allocates one per call.
  float* work = nullptr;
};

bool gemm_residual_needs_work(int64_t M, int64_t K);

// Errors: InvalidArgument for inconsistent arguments, OutOfMemory when a workspace cannot be
// allocated. Never reads or writes outside the described matrices.
Status gemm(const GemmArgs& args, ThreadPool& pool);

// ---- instruction-set selection (tests run every available kernel; benchmarks compare them)
enum class Isa : uint8_t { Generic = 0, Avx2, Avx512 };
const char* isa_name(Isa isa);
bool isa_available(Isa isa);  // compiled in and supported by this CPU
Isa gemm_isa();               // in use now (best available unless overridden)
bool set_gemm_isa(Isa isa);   // false (and no change) when unavailable
// Register tile of the micro-kernel in use.
int gemm_mr();
int gemm_nr();

}  // namespace tsr::cpu
