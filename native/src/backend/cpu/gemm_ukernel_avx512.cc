// AVX-512 micro-kernel: 16-wide vectors, 14×32 tile (28 accumulators of the 32 zmm
// registers, 2 for B, 1 broadcast); direct conv 8 channels × 32 columns.
#include "backend/cpu/gemm_kernels.h"

#if TSR_X86_TARGETS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
#endif
#include "backend/cpu/conv_direct_kernel.inc"
#include "backend/cpu/gemm_ukernel.inc"
static void ukernel_avx512_14x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool acc) {
  ukernel_tmpl<14, 2, 16>(kc, a, b, c, ldc, acc);
}
static void conv_tile_avx512_8x32(int ntaps, const int64_t* off, const int32_t* kidx, const float* in, const float* wt,
                          int64_t ldw, float* out, int64_t ldo, int mb, int valid, const float* bias) {
  conv_tile_tmpl<8, 2, 16>(ntaps, off, kidx, in, wt, ldw, out, ldo, mb, valid, bias);
}
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

namespace tsr::cpu {

const MicroKernel* ukernel_avx512() {
#if TSR_X86_TARGETS
  static const MicroKernel k{14, 32, &ukernel_avx512_14x32, 8, 32, &conv_tile_avx512_8x32};
  return &k;
#else
  return nullptr;
#endif
}

}  // namespace tsr::cpu
