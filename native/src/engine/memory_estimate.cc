#include "engine/memory_estimate.h"

#include <algorithm>

namespace tsr {

MemoryEstimate estimate_memory(const MemoryInputs& in, const LatentGeometry& g, int frames, bool cfg) {
  MemoryEstimate e;
  const uint64_t wb = uint64_t(in.weight_bytes), ab = uint64_t(in.activation_bytes);
  const uint64_t dit_w = in.dit_weight_bytes ? in.dit_weight_bytes : in.dit_params * wb;
  // Unmeasured VAE weights are counted as float32 (the CPU's; the CUDA backend packs convs in bf16).
  const uint64_t vae_w = in.vae_weight_bytes ? in.vae_weight_bytes : in.vae_params * 4;
  const uint64_t t5_w = in.t5_params * wb;

  // Text: hidden states, q/k/v/o and the gated FFN of one layer over text_len tokens (float32).
  const uint64_t L_text = uint64_t(in.dit.text_len);
  e.text_bytes = L_text * (uint64_t(in.t5.dim) * 6 + uint64_t(in.t5.dim_attn) * 4 + uint64_t(in.t5.dim_ffn) * 3) * 4;

  // Denoise: one forward keeps the float32 residual stream, its norm, q, k, v before and after
  // the RMS norms and RoPE, attention out (dim wide), the FFN hidden (ffn_dim wide) and the
  // patch/unpatch copies; with the caching pool's rounding and reuse slack the CUDA backend
  // measured 3.34 GiB at 32,760 tokens (1.3B, run 14), about 14 dim-wide and 4 ffn-wide
  // elements per token. The text caches hold K and V per layer per prompt; the sampler keeps
  // about 8 latent-sized float32 buffers (x, v_cond, v_uncond, x0, UniPC history, corrected).
  const uint64_t L = uint64_t(g.tokens());
  const uint64_t per_forward = L * (uint64_t(in.dit.dim) * 14 + uint64_t(in.dit.ffn_dim) * 4) * ab;
  const uint64_t text_cache = uint64_t(in.dit.num_layers) * 2 * L_text * uint64_t(in.dit.dim) * ab * (cfg ? 2 : 1);
  const uint64_t latents = uint64_t(g.latent_numel()) * 4 * 8;
  e.denoise_bytes = per_forward + text_cache + latents;

  // Decode: per latent frame the decoder produces up to time_stride frames. At resolution
  // 1/2^k it carries dim * dim_mult[k] channels (384 at 1/8 down to 96 at full size for
  // Wan2.1), so the widest stage is usually the full-resolution one. Keep about 9 float32
  // tensors of the widest stage alive (input, output, residual, two-frame caches, conv
  // operands, pool slack): at 81x480x832 the CUDA backend measured 4.65 GiB of decode
  // activations on its own and 5.06 GiB beside a kept DiT (bench cuda_pipeline, NOTES-cuda.md),
  // where 9 such tensors are 5.16 GiB; plus the whole decoded float32 video and its uint8 copy.
  const uint64_t H = uint64_t(g.h) * kVaeSpaceStride, W = uint64_t(g.w) * kVaeSpaceStride;
  const uint64_t ts = uint64_t(vae_time_stride(in.vae));
  uint64_t widest = 0;
  for (int k = 0; k < 4; ++k) {
    const uint64_t ch = uint64_t(in.vae.dim) * uint64_t(in.vae.dim_mult[k]);
    const uint64_t scale = uint64_t(1) << k;
    widest = std::max(widest, ch * ts * (H / scale + 1) * (W / scale + 1));
  }
  const uint64_t video = uint64_t(3) * uint64_t(frames) * H * W;
  e.decode_bytes = widest * 4 * 9 + video * 4 + video;

  const bool t5_always = in.keep_text_encoder || in.text_encoder_resident;
  e.weights_bytes = dit_w + vae_w + t5_w;
  const uint64_t resident = dit_w + vae_w + (t5_always ? t5_w : 0);
  // A text encoder that is not kept streams one layer's matrices at a time (UmT5Encoder).
  const uint64_t t5_layer_w =
      (uint64_t(in.t5.dim) * in.t5.dim_attn * 4 + uint64_t(in.t5.dim) * in.t5.dim_ffn * 3) * wb;
  const uint64_t text_stage = e.text_bytes + (t5_always ? 0 : t5_layer_w);
  e.activations_bytes = std::max({e.text_bytes, e.denoise_bytes, e.decode_bytes});
  const uint64_t before_decode = std::max(text_stage, e.denoise_bytes);
  e.peak_bytes = in.release_dit_for_decode ? std::max(resident + before_decode, resident - dit_w + e.decode_bytes)
                                           : resident + std::max(before_decode, e.decode_bytes);
  return e;
}

}  // namespace tsr
