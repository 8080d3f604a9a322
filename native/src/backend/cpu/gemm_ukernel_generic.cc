// Baseline micro-kernel: 4-wide vectors (SSE2 on x86-64, NEON on arm64), 6×8 tile:
// 12 accumulators + 2 B vectors + 1 broadcast fit the 16 architectural vector registers.
#include "backend/cpu/gemm_kernels.h"

#include "backend/cpu/gemm_ukernel.inc"

namespace tsr::cpu {

const MicroKernel* ukernel_generic() {
  static const MicroKernel k{6, 8, &ukernel_tmpl<6, 2, 4>};
  return &k;
}

}  // namespace tsr::cpu
