// The Hopper attention path's entry points (attention_sm90.cu). attention() in attention.cu
// tries it first when allowed; `handled` is false where it does not apply (no sm_90a image,
// another device, head_dim not 64/128), and the portable kernel runs instead.
#pragma once

#include "backend/cuda/kernels.h"

namespace tsr::cuda {

Status attention_sm90(const AttnArgs& a, cudaStream_t s, bool& handled);

// Benchmark hook for kernel variants: 0 the default (pingpong consumers), 1 without pingpong
// (P·V wait in its own basic block), 2 pingpong with that split wait.
Status attention_sm90_variant(const AttnArgs& a, cudaStream_t s, int variant, bool& handled);

}  // namespace tsr::cuda
