#include "engine/app_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tsr {

namespace {

Status int_array(const Json* j, const char* what, std::vector<int>* out, size_t want = 0) {
  out->clear();
  if (!j) return OkStatus();
  if (!j->is_array()) return Error(Code::CorruptFile, "tessera.json: %s must be an array", what);
  for (const Json& v : j->items()) {
    if (!v.is_number()) return Error(Code::CorruptFile, "tessera.json: %s must hold numbers", what);
    out->push_back(int(v.integer()));
  }
  if (want && out->size() != want)
    return Error(Code::CorruptFile, "tessera.json: %s must have %zu entries, has %zu", what, want, out->size());
  return OkStatus();
}

Status float_array(const Json* j, const char* what, std::vector<float>* out) {
  out->clear();
  if (!j) return OkStatus();
  if (!j->is_array()) return Error(Code::CorruptFile, "tessera.json: %s must be an array", what);
  for (const Json& v : j->items()) {
    if (!v.is_number()) return Error(Code::CorruptFile, "tessera.json: %s must hold numbers", what);
    out->push_back(float(v.number()));
  }
  return OkStatus();
}

}  // namespace

StatusOr<AttnConfig> parse_attn_config(const Json& j) {
  AttnConfig cfg;
  if (!j.is_object()) return Error(Code::CorruptFile, "attention config must be an object");
  std::vector<int> v;
  TSR_RETURN_IF_ERROR(int_array(j.find("tile"), "attention.tile", &v, 3));
  if (!v.empty()) std::copy(v.begin(), v.end(), cfg.tile);
  const Json* rules = j.find("rules");
  if (!rules) return cfg;
  if (!rules->is_array()) return Error(Code::CorruptFile, "attention.rules must be an array");
  for (const Json& r : rules->items()) {
    if (!r.is_object()) return Error(Code::CorruptFile, "attention.rules entries must be objects");
    AttnRule rule;
    TSR_RETURN_IF_ERROR(int_array(r.find("steps"), "rule.steps", &v, 2));
    if (!v.empty()) rule.step_begin = v[0], rule.step_end = v[1];
    TSR_RETURN_IF_ERROR(int_array(r.find("layers"), "rule.layers", &v, 2));
    if (!v.empty()) rule.layer_begin = v[0], rule.layer_end = v[1];
    rule.head = int(r.get_int("head", -1));
    std::string pattern = r.get_string("pattern", "");
    if (pattern == "dense") {
      rule.pattern.kind = AttnPattern::Dense;
    } else if (pattern == "sta") {
      rule.pattern.kind = AttnPattern::Sta;
      TSR_RETURN_IF_ERROR(int_array(r.find("window"), "rule.window", &v, 3));
      if (v.empty()) return Error(Code::CorruptFile, "an STA rule needs a window");
      std::copy(v.begin(), v.end(), rule.pattern.window);
    } else if (pattern == "tile") {
      rule.pattern.kind = AttnPattern::Tile;
      rule.pattern.global_frames = int(r.get_int("globalFrames", 0));
    } else {
      return Error(Code::CorruptFile, "unknown attention pattern \"%s\" (dense, sta or tile)", pattern.c_str());
    }
    cfg.rules.push_back(rule);
  }
  return cfg;
}

StatusOr<AppConfig> parse_app_config(const std::string& text) {
  auto parsed = Json::parse(text);
  if (!parsed.ok()) return parsed.status().with_context("tessera.json");
  const Json& j = *parsed;
  if (!j.is_object()) return Error(Code::CorruptFile, "tessera.json must hold a JSON object");
  AppConfig cfg;
  cfg.name = j.get_string("name", "");
  if (const Json* t5 = j.find("t5")) {
    if (!t5->is_object()) return Error(Code::CorruptFile, "tessera.json: t5 must be an object");
    cfg.t5_json = t5->dump();
  }
  if (const Json* vae = j.find("vae")) {
    if (!vae->is_object()) return Error(Code::CorruptFile, "tessera.json: vae must be an object");
    cfg.vae_json = vae->dump();
  }
  TSR_RETURN_IF_ERROR(float_array(j.find("latent_mean"), "latent_mean", &cfg.latent_mean));
  TSR_RETURN_IF_ERROR(float_array(j.find("latent_std"), "latent_std", &cfg.latent_std));
  if (cfg.latent_mean.size() != cfg.latent_std.size())
    return Error(Code::CorruptFile, "tessera.json: latent_mean has %zu values but latent_std %zu",
                 cfg.latent_mean.size(), cfg.latent_std.size());
  for (float s : cfg.latent_std)
    if (!(s > 0)) return Error(Code::CorruptFile, "tessera.json: latent_std values must be positive");
  if (const Json* d = j.find("defaults")) {
    if (!d->is_object()) return Error(Code::CorruptFile, "tessera.json: defaults must be an object");
    AppDefaults& a = cfg.defaults;
    a.steps = int(d->get_int("steps", 0));
    a.width = int(d->get_int("width", 0));
    a.height = int(d->get_int("height", 0));
    a.frames = int(d->get_int("frames", 0));
    a.guidance = float(d->get_number("guidance", 0));
    a.shift = float(d->get_number("shift", 0));
    a.sampler = d->get_string("sampler", "");
    if (!a.sampler.empty() && a.sampler != "unipc" && a.sampler != "euler" && a.sampler != "fewstep")
      return Error(Code::CorruptFile, "tessera.json: unknown default sampler \"%s\"", a.sampler.c_str());
    TSR_RETURN_IF_ERROR(int_array(d->find("timesteps"), "defaults.timesteps", &a.timesteps));
    a.negative_prompt = d->get_string("negative_prompt", "");
    if (const Json* att = d->find("attention")) {
      auto ac = parse_attn_config(*att);
      if (!ac.ok()) return ac.status().with_context("tessera.json defaults");
      a.attention = *ac;
    }
  }
  return cfg;
}

StatusOr<AppConfig> read_app_config(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return AppConfig{};
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(Code::Io, "cannot read %s", path.c_str());
  std::stringstream ss;
  ss << f.rdbuf();
  auto cfg = parse_app_config(ss.str());
  if (!cfg.ok()) return cfg.status().with_context(path);
  return cfg;
}

}  // namespace tsr
