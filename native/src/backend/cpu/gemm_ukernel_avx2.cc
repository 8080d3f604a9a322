// AVX2+FMA micro-kernels: 8-wide vectors; GEMM 6×16 tile (12 accumulators of the 16 ymm
// registers), direct conv 4 channels × 16 columns.
#include "backend/cpu/gemm_kernels.h"

#if TSR_X86_TARGETS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#include "backend/cpu/conv_direct_kernel.inc"
#include "backend/cpu/gemm_ukernel.inc"
static void ukernel_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool acc) {
  ukernel_tmpl<6, 2, 8>(kc, a, b, c, ldc, acc);
}
static void conv_tile_avx2_4x16(int ntaps, const int64_t* off, const int32_t* kidx, const float* in, const float* wt,
                          int64_t ldw, float* out, int64_t ldo, int mb, int valid, const float* bias) {
  conv_tile_tmpl<4, 2, 8>(ntaps, off, kidx, in, wt, ldw, out, ldo, mb, valid, bias);
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
  static const MicroKernel k{6, 16, &ukernel_avx2_6x16, 4, 16, &conv_tile_avx2_4x16};
  return &k;
#else
  return nullptr;
#endif
}

}  // namespace tsr::cpu
