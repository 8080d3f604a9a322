// Constructor arguments of the official Wan2.1 modules, read from a model folder's config or
// a fixture's "config" metadata (JSON with the official argument names).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace tsr {

struct DitConfig {
  int dim = 1536, ffn_dim = 8960, num_heads = 12, num_layers = 30;
  int freq_dim = 256, text_dim = 4096, text_len = 512;
  int in_dim = 16, out_dim = 16;
  int patch[3] = {1, 2, 2};
  float eps = 1e-6f;
  int head_dim() const { return dim / num_heads; }
  // InvalidArgument when the values cannot describe a runnable model.
  Status validate() const;
  // Accepts the official names (dim, ffn_dim, num_heads, ...) and the Diffusers ones
  // (num_attention_heads, attention_head_dim, ...). Validates divisibility and even head_dim.
  static StatusOr<DitConfig> from_json(const std::string& json);
};

struct T5Config {
  int vocab = 256384, dim = 4096, dim_attn = 4096, dim_ffn = 10240;
  int num_heads = 64, num_layers = 24, num_buckets = 32;
  bool shared_pos = false;
  int max_distance = 128;  // relative-position reach (HF relative_attention_max_distance)
  int head_dim() const { return dim_attn / num_heads; }
  Status validate() const;
  // Accepts the official T5Encoder names (vocab, dim, dim_attn, ...) and the HF UMT5 ones
  // (vocab_size, d_model, d_kv, d_ff, relative_attention_num_buckets, ...).
  static StatusOr<T5Config> from_json(const std::string& json);
};

struct VaeConfig {
  int dim = 96, z_dim = 16;
  int dim_mult[4] = {1, 2, 4, 4};
  int num_res_blocks = 2;
  bool temperal_downsample[3] = {false, true, true};
  // Per-channel latent statistics when the config carries them (Diffusers latents_mean /
  // latents_std); empty otherwise (callers then use kWanLatentMean/Std or tessera.json).
  std::vector<float> latents_mean, latents_std;
  Status validate() const;
  // Accepts the official WanVAE_ names (dim, z_dim, dim_mult, ...) and the Diffusers
  // AutoencoderKLWan ones (base_dim, ...). Exactly 4 dim_mult stages and 3 temporal flags.
  static StatusOr<VaeConfig> from_json(const std::string& json);
};

}  // namespace tsr
