#include "io/model_folder.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "io/model_configs.h"
#include "io/renames.h"

namespace tsr {

namespace fs = std::filesystem;

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

StatusOr<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error(Code::Io, "cannot open %s", p.string().c_str());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error(Code::Io, "cannot read %s", p.string().c_str());
  return ss.str();
}

StatusOr<Json> read_json_object(const fs::path& p) {
  TSR_ASSIGN_OR_RETURN(std::string text, read_text(p));
  auto j = Json::parse(text);
  if (!j.ok()) return j.status().with_context(p.string());
  if (!j->is_object()) return Error(Code::CorruptFile, "%s: expected a JSON object", p.string().c_str());
  return j;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

// Weights named `stem` in `dir`: the index, the single file, or a complete shard set
// `stem-0000k-of-0000n.safetensors` without index. Empty when none; NotFound for an
// incomplete shard set.
StatusOr<std::vector<std::string>> find_weights(const fs::path& dir, const std::string& stem) {
  if (is_file(dir / (stem + ".safetensors.index.json"))) return std::vector<std::string>{(dir / (stem + ".safetensors.index.json")).string()};
  if (is_file(dir / (stem + ".safetensors"))) return std::vector<std::string>{(dir / (stem + ".safetensors")).string()};
  std::vector<std::pair<int, std::string>> shards;
  int total = -1;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    int k = 0, n = 0, used = 0;
    if (name.compare(0, stem.size() + 1, stem + "-") != 0) continue;
    const std::string tail = name.substr(stem.size() + 1);
    if (std::sscanf(tail.c_str(), "%d-of-%d.safetensors%n", &k, &n, &used) != 2 || size_t(used) != tail.size()) continue;
    if (k < 1 || n < 1 || k > n || (total >= 0 && n != total))
      return Error(Code::NotFound, "%s: inconsistent shard names (%s)", dir.string().c_str(), name.c_str());
    total = n;
    shards.push_back({k, it->path().string()});
  }
  if (shards.empty()) return std::vector<std::string>{};
  std::sort(shards.begin(), shards.end());
  for (int k = 1; k <= total; ++k)
    if (size_t(k) > shards.size() || shards[size_t(k - 1)].first != k)
      return Error(Code::NotFound, "%s: shard %d of %d of %s is missing (and there is no %s.safetensors.index.json)",
                   dir.string().c_str(), k, total, stem.c_str(), stem.c_str());
  std::vector<std::string> out;
  for (auto& s : shards) out.push_back(s.second);
  return out;
}

std::string first_file(const fs::path& dir, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (is_file(dir / n)) return (dir / n).string();
  return "";
}

// The umT5 weights of the official layout: the published name, else any models_t5*.
std::string find_official_t5(const fs::path& dir) {
  std::string exact = first_file(dir, {"models_t5_umt5-xxl-enc-bf16.pth"});
  if (!exact.empty()) return exact;
  std::vector<std::string> found;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    auto ends = [&](const std::string& s) { return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
    if (name.compare(0, 9, "models_t5") == 0 && (ends(".pth") || ends(".safetensors")) && is_file(it->path()))
      found.push_back(it->path().string());
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? "" : found.front();
}

struct Probe {
  ModelFolder folder;
  std::vector<std::string> missing, found;
  Status error;  // a hard error (incomplete shards), reported as is
};

void note(Probe& p, bool ok, const std::string& what) { (ok ? p.found : p.missing).push_back(what); }

Probe probe_official(const fs::path& dir) {
  Probe p;
  p.folder.layout = ModelLayout::Official;
  ModelFolder& f = p.folder;
  if (is_file(dir / "config.json")) f.dit.config_path = (dir / "config.json").string();
  note(p, !f.dit.config_path.empty(), "config.json");
  auto dit = find_weights(dir, "diffusion_pytorch_model");
  if (!dit.ok()) p.error = dit.status();
  else f.dit.weights = *dit;
  note(p, !f.dit.weights.empty(), "diffusion_pytorch_model.safetensors (or its .index.json, or shards)");
  std::string vae = first_file(dir, {"Wan2.1_VAE.safetensors", "Wan2.1_VAE.pth"});
  if (!vae.empty()) f.vae.weights = {vae};
  note(p, !vae.empty(), "Wan2.1_VAE.pth (or .safetensors)");
  std::string t5 = find_official_t5(dir);
  if (!t5.empty()) f.t5.weights = {t5};
  note(p, !t5.empty(), "models_t5_umt5-xxl-enc-bf16.pth (or any models_t5*.pth / .safetensors)");
  f.tokenizer = first_file(dir, {"google/umt5-xxl/tokenizer.json"});
  note(p, !f.tokenizer.empty(), "google/umt5-xxl/tokenizer.json");
  return p;
}

Probe probe_diffusers(const fs::path& dir) {
  Probe p;
  p.folder.layout = ModelLayout::Diffusers;
  ModelFolder& f = p.folder;
  struct Part {
    ModelComponent* c;
    const char* sub;
    const char* stem;
  };
  for (const Part& part : {Part{&f.dit, "transformer", "diffusion_pytorch_model"},
                           Part{&f.vae, "vae", "diffusion_pytorch_model"}, Part{&f.t5, "text_encoder", "model"}}) {
    const fs::path sub = dir / part.sub;
    if (is_file(sub / "config.json")) part.c->config_path = (sub / "config.json").string();
    note(p, !part.c->config_path.empty(), std::string(part.sub) + "/config.json");
    auto w = find_weights(sub, part.stem);
    if (!w.ok() && p.error.ok()) p.error = w.status();
    if (w.ok()) part.c->weights = *w;
    note(p, !part.c->weights.empty(), std::string(part.sub) + "/" + part.stem + ".safetensors (or its .index.json, or shards)");
  }
  f.tokenizer = first_file(dir, {"tokenizer/tokenizer.json"});
  note(p, !f.tokenizer.empty(), "tokenizer/tokenizer.json");
  return p;
}

// Fills the components' config texts (official argument names) and tessera.json.
Status load_configs(ModelFolder& f, const fs::path& dir) {
  const Json* t5_over = nullptr;
  const Json* vae_over = nullptr;
  Json tessera;
  if (is_file(dir / "tessera.json")) {
    TSR_ASSIGN_OR_RETURN(tessera, read_json_object(dir / "tessera.json"));
    TSR_ASSIGN_OR_RETURN(f.tessera_json, read_text(dir / "tessera.json"));
    t5_over = tessera.find("t5");
    vae_over = tessera.find("vae");
    if ((t5_over && !t5_over->is_object()) || (vae_over && !vae_over->is_object()))
      return Error(Code::CorruptFile, "%s: \"t5\" and \"vae\" must be objects", (dir / "tessera.json").string().c_str());
  }
  TSR_ASSIGN_OR_RETURN(Json dit, read_json_object(f.dit.config_path));
  Json empty = Json::make_object({});
  if (f.layout == ModelLayout::Official) {
    f.dit.config = dit.dump();
    f.vae.config = merge_config(empty, vae_over).dump();
    f.t5.config = merge_config(empty, t5_over).dump();
    return OkStatus();
  }
  TSR_ASSIGN_OR_RETURN(Json dit_official, dit_config_from_diffusers(dit, f.dit.config_path));
  f.dit.config = dit_official.dump();
  TSR_ASSIGN_OR_RETURN(Json vae, read_json_object(f.vae.config_path));
  f.vae.config = merge_config(vae_config_from_diffusers(vae), vae_over).dump();
  TSR_ASSIGN_OR_RETURN(Json t5, read_json_object(f.t5.config_path));
  f.t5.config = merge_config(t5_config_from_hf(t5), t5_over).dump();
  return OkStatus();
}

StatusOr<std::shared_ptr<WeightStore>> open_component(const ModelComponent& c, const char* what) {
  if (c.weights.empty()) return Error(Code::NotFound, "the model folder has no %s weights", what);
  auto s = WeightStore::open_many(c.weights);
  if (!s.ok()) return s.status().with_context(std::string("loading the ") + what);
  return s;
}

}  // namespace

const char* layout_name(ModelLayout layout) { return layout == ModelLayout::Diffusers ? "diffusers" : "official"; }

StatusOr<ModelFolder> find_model_folder(const std::string& dir_str) {
  const fs::path dir(dir_str);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Error(Code::NotFound, "model folder not found: %s", dir_str.c_str());
  if (!is_dir(dir)) return Error(Code::NotFound, "%s is not a folder (expected a model folder)", dir_str.c_str());

  Probe official = probe_official(dir);
  Probe diffusers = probe_diffusers(dir);
  Probe* pick = nullptr;
  if (is_dir(dir / "transformer")) pick = &diffusers;
  else if (!official.found.empty()) pick = &official;

  if (!pick) {
    return Status(Code::NotFound, dir_str + " is not a Wan2.1 model folder. Official layout: missing " +
                                      join(official.missing) + ". Diffusers layout: missing " + join(diffusers.missing) +
                                      ".");
  }
  if (!pick->error.ok()) return pick->error;
  if (!pick->missing.empty()) {
    return Status(Code::NotFound, dir_str + " looks like a Wan2.1 model folder in the " + layout_name(pick->folder.layout) +
                                      " layout but is incomplete: missing " + join(pick->missing) +
                                      " (found " + join(pick->found) + ").");
  }
  ModelFolder f = std::move(pick->folder);
  f.dir = dir_str;
  TSR_RETURN_IF_ERROR(load_configs(f, dir));
  return f;
}

StatusOr<std::shared_ptr<WeightStore>> open_dit_weights(const ModelFolder& folder) {
  TSR_ASSIGN_OR_RETURN(auto s, open_component(folder.dit, "DiT"));
  return official_dit_store(std::move(s));
}

StatusOr<std::shared_ptr<WeightStore>> open_vae_weights(const ModelFolder& folder) {
  TSR_ASSIGN_OR_RETURN(auto s, open_component(folder.vae, "VAE"));
  return official_vae_store(std::move(s));
}

StatusOr<std::shared_ptr<WeightStore>> open_t5_weights(const ModelFolder& folder) {
  TSR_ASSIGN_OR_RETURN(auto s, open_component(folder.t5, "text encoder"));
  return official_t5_store(std::move(s));
}

}  // namespace tsr
