// Micro-kernels of the GEMM, one translation unit per instruction set so that only the
// kernel itself is compiled for that ISA (nothing shared with other TUs, no ODR hazards).
#pragma once

#include <cstdint>

namespace tsr::cpu {

// c[r*ldc + j] (=, or += when accumulate) sum over k < kc of a[k*MR + r] * b[k*NR + j], for the
// full MR×NR tile.
using MicroKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                               bool accumulate);

struct MicroKernel {
  int mr, nr;
  MicroKernelFn fn;
};

// Null when the instruction set was not compiled in (non-x86 or a compiler without
// per-function targets). Whether the CPU supports it is checked by the caller.
const MicroKernel* ukernel_generic();
const MicroKernel* ukernel_avx2();
const MicroKernel* ukernel_avx512();

}  // namespace tsr::cpu

// Per-function instruction sets are available with GCC and Clang on x86-64.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TSR_X86_TARGETS 1
#else
#define TSR_X86_TARGETS 0
#endif
