// Baseline micro-kernels: 4-wide vectors (SSE2 on x86-64, NEON on arm64). GEMM 6×8 tile:
// 12 accumulators + 2 B vectors + 1 broadcast fit the 16 architectural vector registers;
// direct conv 4 channels × 8 columns.
#include "backend/cpu/gemm_kernels.h"

#include "backend/cpu/conv_direct_kernel.inc"
#include "backend/cpu/gemm_ukernel.inc"

namespace tsr::cpu {

const MicroKernel* ukernel_generic() {
  static const MicroKernel k{6, 8, &ukernel_tmpl<6, 2, 4>, 4, 8, &conv_tile_tmpl<4, 2, 4>};
  return &k;
}

}  // namespace tsr::cpu
