#include "io/model_configs.h"

#include <utility>
#include <vector>

namespace tsr {

namespace {

using Members = std::vector<std::pair<std::string, Json>>;

// Copies cfg[from] to out[to] when present.
void copy_as(const Json& cfg, const char* from, const char* to, Members& out) {
  if (const Json* v = cfg.find(from)) out.push_back({to, *v});
}

}  // namespace

StatusOr<Json> dit_config_from_diffusers(const Json& cfg, const std::string& where) {
  const int64_t heads = cfg.get_int("num_attention_heads", -1);
  const int64_t head_dim = cfg.get_int("attention_head_dim", -1);
  if (heads <= 0 || head_dim <= 0)
    return Error(Code::CorruptFile, "%s: needs positive num_attention_heads and attention_head_dim", where.c_str());
  Members m;
  m.push_back({"dim", Json::make_number(double(heads * head_dim))});
  m.push_back({"num_heads", Json::make_number(double(heads))});
  copy_as(cfg, "ffn_dim", "ffn_dim", m);
  copy_as(cfg, "num_layers", "num_layers", m);
  copy_as(cfg, "freq_dim", "freq_dim", m);
  copy_as(cfg, "text_dim", "text_dim", m);
  copy_as(cfg, "in_channels", "in_dim", m);
  copy_as(cfg, "out_channels", "out_dim", m);
  copy_as(cfg, "patch_size", "patch_size", m);
  copy_as(cfg, "eps", "eps", m);
  copy_as(cfg, "cross_attn_norm", "cross_attn_norm", m);
  if (const Json* q = cfg.find("qk_norm")) m.push_back({"qk_norm", Json::make_bool(!q->is_null() && !(q->is_bool() && !q->boolean()))});
  const Json* image_dim = cfg.find("image_dim");
  m.push_back({"model_type", Json::make_string(image_dim && !image_dim->is_null() ? "i2v" : "t2v")});
  m.push_back({"text_len", Json::make_number(512)});  // fixed in Diffusers' pipeline
  return Json::make_object(std::move(m));
}

Json vae_config_from_diffusers(const Json& cfg) {
  Members m;
  copy_as(cfg, "base_dim", "dim", m);
  copy_as(cfg, "z_dim", "z_dim", m);
  copy_as(cfg, "dim_mult", "dim_mult", m);
  copy_as(cfg, "num_res_blocks", "num_res_blocks", m);
  copy_as(cfg, "attn_scales", "attn_scales", m);
  copy_as(cfg, "temperal_downsample", "temperal_downsample", m);
  copy_as(cfg, "dropout", "dropout", m);
  return Json::make_object(std::move(m));
}

Json t5_config_from_hf(const Json& cfg) {
  Members m;
  copy_as(cfg, "vocab_size", "vocab", m);
  copy_as(cfg, "d_model", "dim", m);
  const int64_t heads = cfg.get_int("num_heads", -1), d_kv = cfg.get_int("d_kv", -1);
  if (heads > 0 && d_kv > 0) m.push_back({"dim_attn", Json::make_number(double(heads * d_kv))});
  copy_as(cfg, "d_ff", "dim_ffn", m);
  copy_as(cfg, "num_heads", "num_heads", m);
  copy_as(cfg, "num_layers", "num_layers", m);
  copy_as(cfg, "relative_attention_num_buckets", "num_buckets", m);
  m.push_back({"shared_pos", Json::make_bool(false)});  // UMT5 keeps a bias table per layer
  return Json::make_object(std::move(m));
}

Json merge_config(const Json& base, const Json* over) {
  Members m = base.members();
  if (over && over->is_object()) {
    for (const auto& [k, v] : over->members()) {
      bool replaced = false;
      for (auto& kv : m)
        if (kv.first == k) {
          kv.second = v;
          replaced = true;
        }
      if (!replaced) m.push_back({k, v});
    }
  }
  return Json::make_object(std::move(m));
}

}  // namespace tsr
