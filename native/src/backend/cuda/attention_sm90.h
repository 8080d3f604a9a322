// The Hopper attention path's entry points (attention_sm90.cu). attention() in attention.cu
// tries it first when allowed; `handled` is false where it does not apply (no sm_90a image,
// another device, head_dim not 64/128), and the portable kernel runs instead.
#pragma once

#include "backend/cuda/kernels.h"

namespace tsr::cuda {

Status attention_sm90(const AttnArgs& a, cudaStream_t s, bool& handled);

// Benchmark hook for kernel variants: 0 the default (TMA producer and pingpong consumers, or
// the cp.async producer where a tensor map cannot describe the operands), and with the
// cp.async producer: 1 without pingpong (P·V wait in its own basic block), 2 pingpong with
// that split wait, 3 pingpong (the default before the TMA producer).
Status attention_sm90_variant(const AttnArgs& a, cudaStream_t s, int variant, bool& handled);

// Whether the default variant would load K and V by TMA for these arguments (tests check
// that their cases do).
bool attention_sm90_uses_tma(const AttnArgs& a);

}  // namespace tsr::cuda
