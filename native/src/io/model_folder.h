// Recognises a Wan2.1 text-to-video model folder (docs/model-folder.md) in the official
// layout published by Wan-AI or the Diffusers layout, and opens its components with official
// key names whatever the convention they are stored under.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/weights.h"

namespace tsr {

enum class ModelLayout { Official, Diffusers };
const char* layout_name(ModelLayout layout);  // "official", "diffusers"

struct ModelComponent {
  // One file (.safetensors, .safetensors.index.json, .pth) or the shards of a set without index.
  std::vector<std::string> weights;
  std::string config_path;  // the component's config.json; "" where the layout has none
  // JSON object with the official constructor argument names (WanModel, WanVAE_, T5Encoder):
  // the official config.json as is; Diffusers configs translated; for the VAE and text encoder
  // the "vae"/"t5" sections of tessera.json override. "{}" means the Wan2.1 defaults.
  std::string config;
};

struct ModelFolder {
  ModelLayout layout = ModelLayout::Official;
  std::string dir;
  ModelComponent dit, vae, t5;
  std::string tokenizer;     // path of tokenizer.json
  std::string tessera_json;  // text of the optional tessera.json (validated JSON); "" when absent
};

// NotFound when `dir` is missing or is neither layout (the message lists what was looked for
// and what is missing); CorruptFile when a config.json or tessera.json is not valid JSON.
StatusOr<ModelFolder> find_model_folder(const std::string& dir);

// Stores presenting the official key names (spec/wan21.md §4.1, §5.6, §6.3).
StatusOr<std::shared_ptr<WeightStore>> open_dit_weights(const ModelFolder& folder);
StatusOr<std::shared_ptr<WeightStore>> open_vae_weights(const ModelFolder& folder);
StatusOr<std::shared_ptr<WeightStore>> open_t5_weights(const ModelFolder& folder);

}  // namespace tsr
