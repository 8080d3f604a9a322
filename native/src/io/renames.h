// Official Wan2.1 key names for checkpoints stored under other conventions: Diffusers
// (WanTransformer3DModel, AutoencoderKLWan; spec/wan21.md §4.2, §5.6), Hugging Face
// UMT5EncoderModel (§6.3) and ComfyUI's `model.diffusion_model.` prefix. Each official_*_store
// detects the convention from the keys themselves, so an official file is passed through
// unchanged whatever folder layout it sits in. Keys that match no rule keep their stored name
// (a WeightBinder then reports them as unexpected).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/weights.h"

namespace tsr {

std::shared_ptr<WeightStore> official_dit_store(std::shared_ptr<WeightStore> stored);
std::shared_ptr<WeightStore> official_vae_store(std::shared_ptr<WeightStore> stored);
std::shared_ptr<WeightStore> official_t5_store(std::shared_ptr<WeightStore> stored);

// Key-level conversions (stored -> official), exposed for tests and tools.
std::string dit_diffusers_to_official(const std::string& key);
// The VAE decoder's flat official indices depend on how many resnets each Diffusers up block
// has, so the whole key list is converted at once: stored -> official.
std::map<std::string, std::string> vae_diffusers_to_official(const std::vector<std::string>& keys);
std::string t5_hf_to_official(const std::string& key);

// Shared helper: `key` equals `prefix` or continues it with '.'.
bool has_segment_prefix(const std::string& key, const std::string& prefix);

}  // namespace tsr
