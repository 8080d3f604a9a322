// Float32 attention on the CPU: dense, sliding-tile (STA) and Attention Tile patterns,
// and the umT5 variant (relative position bias, key mask, no scaling). This is the
// reference the CUDA kernels are tested against.
#pragma once

#include "backend/backend.h"
#include "core/threadpool.h"

namespace tsr {

// q: [nq, heads*head_dim], k, v: [nk, heads*head_dim], out: [nq, heads*head_dim], all host
// float32 and contiguous. spec.rel_bias, when set, is a host float32 [num_buckets, heads].
// Sparse patterns require nq == nk == grid product. Returns InvalidArgument/ShapeMismatch
// for inconsistent specs; never touches memory outside the given tensors.
Status cpu_attention(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                     const AttnSpec& spec, ThreadPool& pool);

}  // namespace tsr
