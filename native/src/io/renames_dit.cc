// DiT: Diffusers WanTransformer3DModel and ComfyUI names -> official WanModel names.
#include <cstring>

#include "io/renames.h"

namespace tsr {

namespace {

struct Rule {
  const char* from;
  const char* to;
};

// Top level (spec §4.2, read right to left).
constexpr Rule kTop[] = {
    {"condition_embedder.time_embedder.linear_1", "time_embedding.0"},
    {"condition_embedder.time_embedder.linear_2", "time_embedding.2"},
    {"condition_embedder.text_embedder.linear_1", "text_embedding.0"},
    {"condition_embedder.text_embedder.linear_2", "text_embedding.2"},
    {"condition_embedder.time_proj", "time_projection.1"},
    {"condition_embedder.image_embedder.norm1", "img_emb.proj.0"},
    {"condition_embedder.image_embedder.ff.net.0.proj", "img_emb.proj.1"},
    {"condition_embedder.image_embedder.ff.net.2", "img_emb.proj.3"},
    {"condition_embedder.image_embedder.norm2", "img_emb.proj.4"},
    {"condition_embedder.image_embedder.pos_embed", "img_emb.emb_pos"},
    {"scale_shift_table", "head.modulation"},
    {"proj_out", "head.head"},
};

// Inside blocks.{i}. Diffusers numbers the block norms in call order, hence the norm2/norm3 swap.
constexpr Rule kBlock[] = {
    {"scale_shift_table", "modulation"},
    {"attn1.to_q", "self_attn.q"},
    {"attn1.to_k", "self_attn.k"},
    {"attn1.to_v", "self_attn.v"},
    {"attn1.to_out.0", "self_attn.o"},
    {"attn1.norm_q", "self_attn.norm_q"},
    {"attn1.norm_k", "self_attn.norm_k"},
    {"attn2.to_q", "cross_attn.q"},
    {"attn2.to_k", "cross_attn.k"},
    {"attn2.to_v", "cross_attn.v"},
    {"attn2.to_out.0", "cross_attn.o"},
    {"attn2.norm_q", "cross_attn.norm_q"},
    {"attn2.norm_k", "cross_attn.norm_k"},
    {"attn2.add_k_proj", "cross_attn.k_img"},
    {"attn2.add_v_proj", "cross_attn.v_img"},
    {"attn2.norm_added_k", "cross_attn.norm_k_img"},
    {"norm2", "norm3"},
    {"norm3", "norm2"},
    {"ffn.net.0.proj", "ffn.0"},
    {"ffn.net.2", "ffn.2"},
};

constexpr const char* kComfyPrefix = "model.diffusion_model.";

template <size_t N>
bool apply(const Rule (&rules)[N], const std::string& key, std::string& out) {
  for (const Rule& r : rules) {
    if (has_segment_prefix(key, r.from)) {
      out = r.to + key.substr(std::strlen(r.from));
      return true;
    }
  }
  return false;
}

bool is_diffusers_dit(const std::vector<std::string>& keys) {
  for (const std::string& k : keys)
    if (has_segment_prefix(k, "condition_embedder") || has_segment_prefix(k, "proj_out") || k == "scale_shift_table" ||
        k.find(".attn1.") != std::string::npos)
      return true;
  return false;
}

}  // namespace

bool has_segment_prefix(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0 && (key.size() == prefix.size() || key[prefix.size()] == '.');
}

std::string dit_diffusers_to_official(const std::string& key) {
  std::string out;
  if (key.compare(0, 7, "blocks.") == 0) {
    size_t dot = key.find('.', 7);
    if (dot == std::string::npos) return key;
    std::string head = key.substr(0, dot + 1);  // "blocks.{i}."
    if (apply(kBlock, key.substr(dot + 1), out)) return head + out;
    return key;
  }
  return apply(kTop, key, out) ? out : key;
}

std::shared_ptr<WeightStore> official_dit_store(std::shared_ptr<WeightStore> stored) {
  std::vector<std::string> keys = stored->keys();
  // ComfyUI repacks prefix every key; strip it first, then look at the naming convention.
  const size_t plen = std::strlen(kComfyPrefix);
  std::vector<std::string> names;
  for (const std::string& k : keys) names.push_back(k.compare(0, plen, kComfyPrefix) == 0 ? k.substr(plen) : k);
  const bool diffusers = is_diffusers_dit(names);
  std::map<std::string, std::string> official_to_stored;
  for (size_t i = 0; i < keys.size(); ++i)
    official_to_stored[diffusers ? dit_diffusers_to_official(names[i]) : names[i]] = keys[i];
  return renamed_store(std::move(stored), std::move(official_to_stored));
}

}  // namespace tsr
