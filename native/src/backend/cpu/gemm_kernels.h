// Micro-kernels of the GEMM, one translation unit per instruction set so that only the
// kernel itself is compiled for that ISA (nothing shared with other TUs, no ODR hazards).
#pragma once

#include <cstdint>

namespace tsr::cpu {

// c[r*ldc + j] (=, or += when accumulate) sum over k < kc of a[k*MR + r] * b[k*NR + j], for the
// full MR×NR tile.
using MicroKernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                               bool accumulate);

// Direct convolution tile (conv_direct_kernel.inc): out[o·ldo + p] = bias[o] + Σ_t
// wt[kidx[t]·ldw + o] · in[off[t] + p] for o < mb (<= MB) and p < valid (<= NV·W).
using ConvTileFn = void (*)(int ntaps, const int64_t* off, const int32_t* kidx, const float* in,
                            const float* wt, int64_t ldw, float* out, int64_t ldo, int mb, int valid,
                            const float* bias);

struct MicroKernel {
  int mr, nr;
  MicroKernelFn fn;
  int conv_mb, conv_cols;  // direct-conv tile: output channels × output columns
  ConvTileFn conv;
};

// Null when the instruction set was not compiled in (non-x86 or a compiler without
// per-function targets). Whether the CPU supports it is checked by the caller.
// The kernels of the instruction set in use (gemm.h: set_gemm_isa).
const MicroKernel& active_kernel();

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
