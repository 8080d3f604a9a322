// AVX2+FMA micro-kernel: 8-wide vectors, 6×16 tile (12 accumulators of the 16 ymm registers).
#include "backend/cpu/gemm_kernels.h"

#if TSR_X86_TARGETS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#include "backend/cpu/gemm_ukernel.inc"
static void ukernel_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool acc) {
  ukernel_tmpl<6, 2, 8>(kc, a, b, c, ldc, acc);
}
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

namespace tsr::cpu {

const MicroKernel* ukernel_avx2() {
#if TSR_X86_TARGETS
  static const MicroKernel k{6, 16, &ukernel_avx2_6x16};
  return &k;
#else
  return nullptr;
#endif
}

}  // namespace tsr::cpu
