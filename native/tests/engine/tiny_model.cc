#include "tiny_model.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/json.h"
#include "harness.h"
#include "io/safetensors_writer.h"
#include "io/weights.h"

namespace tsr::test {

namespace fs = std::filesystem;

namespace {

// Same keys and shapes as `source`, values N(0, 1/fan_in) for matrices (so activations stay
// O(1)), 1 + N(0, 0.1^2) for norm gains, N(0, 0.02^2) for biases and other vectors.
StatusOr<std::map<std::string, Tensor>> random_like(const std::string& source, Rng& rng) {
  TSR_ASSIGN_OR_RETURN(auto ws, WeightStore::open(source));
  std::map<std::string, Tensor> out;
  for (const std::string& k : ws->keys()) {
    TSR_ASSIGN_OR_RETURN(TensorInfo info, ws->info(k));
    Tensor t = host_empty(DType::F32, info.shape);
    if (!t.data()) return Error(Code::OutOfMemory, "tiny model");
    float* p = t.data_as<float>();
    const bool gain = k.find("norm") != std::string::npos || k.find("gamma") != std::string::npos;
    if (gain) {
      for (int64_t i = 0; i < t.numel(); ++i) p[i] = 1.0f + rng.normal() * 0.1f;
    } else if (info.shape.size() >= 2) {
      int64_t fan_in = t.numel() / info.shape[0];
      float scale = 1.0f / std::sqrt(float(std::max<int64_t>(fan_in, 1)));
      if (k.find("embedding") != std::string::npos || k.find("token_embedding") != std::string::npos) scale = 1.0f;
      for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.normal() * scale;
    } else {
      for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.normal() * 0.02f;
    }
    out[k] = t;
  }
  return out;
}

StatusOr<std::string> fixture_config(const std::string& io_path) {
  TSR_ASSIGN_OR_RETURN(auto ws, WeightStore::open(io_path));
  auto it = ws->metadata().find("config");
  if (it == ws->metadata().end()) return Error(Code::CorruptFile, "%s has no config", io_path.c_str());
  return it->second;
}

Status write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << text;
  return f ? OkStatus() : Error(Code::Io, "cannot write %s", p.string().c_str());
}

}  // namespace

StatusOr<std::string> write_tiny_model(const TinyModelOptions& o) {
  const std::string g = golden_dir();
  if (g.empty()) return Error(Code::NotFound, "golden fixtures not found");
  fs::path dir = fs::path(temp_dir()) / "tiny-model";
  fs::create_directories(dir);
  Rng rng(o.seed);

  TSR_ASSIGN_OR_RETURN(auto dit, random_like(g + "/wan_dit_tiny.weights.safetensors", rng));
  if (o.drop_dit_key) dit.erase(dit.begin());
  TSR_RETURN_IF_ERROR(write_safetensors((dir / "diffusion_pytorch_model.safetensors").string(), dit));
  TSR_ASSIGN_OR_RETURN(auto vae, random_like(g + "/wan_vae_tiny.weights.safetensors", rng));
  TSR_RETURN_IF_ERROR(write_safetensors((dir / "Wan2.1_VAE.safetensors").string(), vae));
  TSR_ASSIGN_OR_RETURN(auto t5, random_like(g + "/umt5_tiny.weights.safetensors", rng));
  TSR_RETURN_IF_ERROR(write_safetensors((dir / "models_t5_umt5-xxl-enc-bf16.safetensors").string(), t5));
  if (o.corrupt_dit) fs::resize_file(dir / "diffusion_pytorch_model.safetensors", 200);

  // DiT config.json: the fixture's constructor arguments plus the model type.
  TSR_ASSIGN_OR_RETURN(std::string dit_cfg, fixture_config(g + "/wan_dit_tiny.io.safetensors"));
  TSR_RETURN_IF_ERROR(write_text(dir / "config.json", "{\"model_type\": \"t2v\", " + dit_cfg.substr(dit_cfg.find('{') + 1)));
  TSR_ASSIGN_OR_RETURN(std::string t5_cfg, fixture_config(g + "/umt5_tiny.io.safetensors"));
  TSR_ASSIGN_OR_RETURN(std::string vae_cfg, fixture_config(g + "/wan_vae_tiny.io.safetensors"));
  std::string tj = "{\"format\": \"tessera-model/1\", \"name\": \"tiny test model\", \"t5\": " + t5_cfg + ", \"vae\": " + vae_cfg;
  if (!o.defaults_json.empty()) tj += ", \"defaults\": " + o.defaults_json;
  tj += "}";
  TSR_RETURN_IF_ERROR(write_text(dir / "tessera.json", tj));
  // A word-level tokenizer the engine itself never reads (tokenization happens in JS).
  TSR_RETURN_IF_ERROR(write_text(dir / "google" / "umt5-xxl" / "tokenizer.json",
                                 R"({"version": "1.0", "model": {"type": "WordLevel", "vocab": {"<pad>": 0, "</s>": 1, "<unk>": 2}, "unk_token": "<unk>"}})"));
  return dir.string();
}

GenerateRequest tiny_request() {
  GenerateRequest r;
  r.prompt_ids = {5, 17, 42, 1};
  r.negative_ids = {7, 1};
  r.width = 48;
  r.height = 32;
  r.guidance = 4.0f;
  return r;
}

}  // namespace tsr::test
