// Attention dispatch: the FlashAttention-style kernel family (head_dim 64/128, no position
// bias) for DiT self- and cross-attention; everything else (umT5's relative position bias
// and float32 operands, other head sizes) goes to attention_rows.cu.
#include <cmath>

#include "backend/cuda/attention_sm80.cuh"
#include "backend/cuda/attention_sm90.h"

namespace tsr::cuda {
namespace {

template <int D>
Status launch_flash(const AttnArgs& a, cudaStream_t s) {
  using Sm = attn_detail::Sm80Tile<D>;
  static bool configured = false;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(attention_sm80_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         int(Sm::total));
    if (e != cudaSuccess) return cuda_status(e, "attention smem attribute");
    configured = true;
  }
  unsigned blocks = 0;
  AttnGeom g = make_attn_geom(a, Sm::BR, blocks);
  attention_sm80_kernel<D><<<dim3(blocks, unsigned(a.heads)), Sm::WARPS * 32, Sm::total, s>>>(g);
  return check_launch("attention_sm80");
}

}  // namespace

// The flash kernels softmax in the exp2 domain with the maximum taken before scaling, which
// needs a positive scale; anything else (and float32 operands) goes to the generic kernel.
bool attention_uses_flash(const AttnArgs& a) {
  return !a.rel_bias && !a.qf && (a.head_dim == 64 || a.head_dim == 128) && a.scale > 0.0f;
}

Status attention(const AttnArgs& a, bool allow_hopper, cudaStream_t s) {
  if (a.nq == 0 || a.heads == 0) return OkStatus();
  bool flash = attention_uses_flash(a);
#ifdef TSR_HOPPER_ATTENTION
  if (flash && allow_hopper) {
    bool handled = false;
    Status st = attention_sm90(a, s, handled);
    if (!st.ok() || handled) return st;
  }
#endif
  if (flash && a.head_dim == 128) return launch_flash<128>(a, s);
  if (flash && a.head_dim == 64) return launch_flash<64>(a, s);
  return attention_rows(a, s);
}

}  // namespace tsr::cuda
