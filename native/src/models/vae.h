// Wan-VAE (WanVAE_), spec/wan21.md §5: causal 3D decoder decoded one latent frame at a time
// with explicit 2-frame caches, and the encoder.
#pragma once

#include <functional>
#include <memory>

#include "backend/backend.h"
#include "io/weights.h"
#include "models/configs.h"

namespace tsr {

// Latent normalisation constants of Wan2.1 (spec §5.2).
extern const float kWanLatentMean[16];
extern const float kWanLatentStd[16];

class WanVae {
 public:
  // decoder_only: skip (and ignore) the encoder's weights.
  static StatusOr<std::unique_ptr<WanVae>> load(const WeightStore& weights, const VaeConfig& cfg,
                                                Backend& be, bool decoder_only = false);
  const VaeConfig& config() const { return cfg_; }
  uint64_t params() const { return params_; }

  // z: host float32 normalised latent [z_dim, T, h, w]; mean/std per channel (z*std+mean;
  // null: kWanLatentMean/Std, z_dim 16 only).
  // Calls on_chunk(i, T) before decoding latent frame i; returning false cancels (Cancelled).
  // Returns host float32 video [3, 1+4(T-1), 8h, 8w] clamped to [-1, 1].
  // latent_frames_per_chunk: 1 is the reference's chunking (memory: one chunk's activations
  // plus 2-frame caches); more frames per chunk, or <= 0 for all at once, give the same result.
  StatusOr<Tensor> decode(const Tensor& z, const float* mean, const float* std,
                          const std::function<bool(int, int)>& on_chunk = nullptr,
                          int latent_frames_per_chunk = 1) const;
  // pixels: host float32 [3, 1+4(T-1), 8h, 8w] in [-1, 1] -> normalised mu [z_dim, T, h, w].
  // Runs over pixel chunks of 1, 4, 4, ... frames (latent_frames_per_chunk latents each after
  // the first; <= 0: one pass), as the reference does.
  StatusOr<Tensor> encode(const Tensor& pixels, const float* mean, const float* std,
                          int latent_frames_per_chunk = 1) const;
  bool has_encoder() const { return has_encoder_; }

 private:
  WanVae(const VaeConfig& cfg, Backend& be) : cfg_(cfg), be_(be) {}
  struct Weights;
  VaeConfig cfg_;
  Backend& be_;
  std::shared_ptr<Weights> w_;
  uint64_t params_ = 0;
  bool has_encoder_ = false;
};

}  // namespace tsr
