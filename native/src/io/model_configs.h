// Component configs in the official constructor argument names: translations of Diffusers /
// Hugging Face config.json files, and tessera.json overrides.
#pragma once

#include <string>

#include "core/json.h"
#include "core/status.h"

namespace tsr {

// WanTransformer3DModel config -> WanModel arguments (dim = heads x head_dim, in_channels ->
// in_dim, ...). CorruptFile when the head count or head size is missing.
StatusOr<Json> dit_config_from_diffusers(const Json& cfg, const std::string& where);
// AutoencoderKLWan config -> WanVAE_ arguments (base_dim -> dim, ...).
Json vae_config_from_diffusers(const Json& cfg);
// UMT5 (transformers) config -> T5Encoder arguments (d_model -> dim, ...).
Json t5_config_from_hf(const Json& cfg);
// `base` with every member of `over` (an object, or null for none) replacing or added.
Json merge_config(const Json& base, const Json* over);

}  // namespace tsr
