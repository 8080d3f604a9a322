// Peak memory of a generation, estimated from the model configs and the video size, so the UI
// can say what fits before running (tsr_estimate_memory) and generate() can refuse early.
//
// The estimate is deliberately simple and on the safe side: the engine's peak is
//   resident weights (DiT + VAE, + umT5 when kept)
//   + max(text stage: umT5 weights (when loaded on demand) + its activations,
//         denoise stage: one DiT forward's live activations + text caches + sampler latents,
//         decode stage: one VAE chunk's activations at the largest stage + the decoded video)
// or, when the DiT's weights leave the backend for decoding (DitResidency), the larger of
//   resident + max(text, denoise) and resident - DiT + decode.
// The activation terms are sized to cover what the CUDA backend's caching pool measured at
// 81x480x832 (native/bench/NOTES-cuda.md), rounding and reuse slack included.
#pragma once

#include <cstdint>

#include "engine/video_size.h"
#include "models/configs.h"

namespace tsr {

struct MemoryInputs {
  DitConfig dit;
  T5Config t5;
  VaeConfig vae;
  uint64_t dit_params = 0, t5_params = 0, vae_params = 0;
  // Bytes the DiT's and the VAE's weights hold on a GPU backend, measured at load (the CUDA
  // pool rounds blocks to 2 MiB, so the 1.3B DiT's 2.64 GiB of bf16 matrices take 3.10 GiB);
  // 0 = unknown: params x bytes per element.
  uint64_t dit_weight_bytes = 0, vae_weight_bytes = 0;
  int weight_bytes = 4;      // bytes per stored matrix element on the backend (4 CPU, 2 CUDA bf16)
  int activation_bytes = 4;  // bytes per DiT activation element (4 CPU, 2 CUDA)
  bool keep_text_encoder = false;
  bool text_encoder_resident = false;  // umT5 weights are on the backend now
  bool release_dit_for_decode = false;  // the DiT's weights are off the backend while the VAE decodes
};

struct MemoryEstimate {
  uint64_t weights_bytes = 0;      // all model weights of the run
  uint64_t activations_bytes = 0;  // largest stage's working memory
  uint64_t peak_bytes = 0;
  uint64_t text_bytes = 0, denoise_bytes = 0, decode_bytes = 0;  // per-stage working memory
};

MemoryEstimate estimate_memory(const MemoryInputs& in, const LatentGeometry& g, int frames, bool cfg);

}  // namespace tsr
