// Text encoder: Hugging Face UMT5EncoderModel names -> official umT5 (wan/modules/t5.py) names
// (spec §6.3). HF ties shared.weight and encoder.embed_tokens.weight; files may hold either or
// both, and one becomes token_embedding.weight.
#include <cstdlib>
#include <cstring>

#include "io/renames.h"

namespace tsr {

namespace {

struct Rule {
  const char* from;
  const char* to;
};

// Inside encoder.block.{l}.
constexpr Rule kLayer[] = {
    {"layer.0.layer_norm.weight", "norm1.weight"},
    {"layer.0.SelfAttention.q.weight", "attn.q.weight"},
    {"layer.0.SelfAttention.k.weight", "attn.k.weight"},
    {"layer.0.SelfAttention.v.weight", "attn.v.weight"},
    {"layer.0.SelfAttention.o.weight", "attn.o.weight"},
    {"layer.0.SelfAttention.relative_attention_bias.weight", "pos_embedding.embedding.weight"},
    {"layer.1.layer_norm.weight", "norm2.weight"},
    {"layer.1.DenseReluDense.wi_0.weight", "ffn.gate.0.weight"},
    {"layer.1.DenseReluDense.wi_1.weight", "ffn.fc1.weight"},
    {"layer.1.DenseReluDense.wo.weight", "ffn.fc2.weight"},
};

bool is_hf_t5(const std::vector<std::string>& keys) {
  for (const std::string& k : keys)
    if (k == "shared.weight" || k == "encoder.embed_tokens.weight" || k == "encoder.final_layer_norm.weight" ||
        k.compare(0, 14, "encoder.block.") == 0)
      return true;
  return false;
}

}  // namespace

std::string t5_hf_to_official(const std::string& key) {
  if (key == "shared.weight" || key == "encoder.embed_tokens.weight") return "token_embedding.weight";
  if (key == "encoder.final_layer_norm.weight") return "norm.weight";
  const std::string p = "encoder.block.";
  if (key.compare(0, p.size(), p) != 0) return key;
  size_t end = p.size();
  while (end < key.size() && key[end] >= '0' && key[end] <= '9') ++end;
  if (end == p.size() || end >= key.size() || key[end] != '.') return key;
  const std::string layer = key.substr(p.size(), end - p.size());
  const std::string rest = key.substr(end + 1);
  for (const Rule& r : kLayer)
    if (rest == r.from) return "blocks." + layer + "." + r.to;
  return key;
}

std::shared_ptr<WeightStore> official_t5_store(std::shared_ptr<WeightStore> stored) {
  std::vector<std::string> keys = stored->keys();
  std::map<std::string, std::string> official_to_stored;
  std::vector<std::string> hidden;
  if (is_hf_t5(keys)) {
    // Hide embed_tokens only when it really is shared.weight's twin (same dtype and shape).
    auto a = stored->info("shared.weight");
    auto b = stored->info("encoder.embed_tokens.weight");
    const bool twin = a.ok() && b.ok() && a->dtype == b->dtype && a->shape == b->shape;
    for (const std::string& k : keys) {
      if (k == "encoder.embed_tokens.weight" && twin) {
        hidden.push_back(k);  // the tied twin of shared.weight
        continue;
      }
      official_to_stored[t5_hf_to_official(k)] = k;
    }
  } else {
    for (const std::string& k : keys) official_to_stored[k] = k;
  }
  return renamed_store(std::move(stored), std::move(official_to_stored), hidden);
}

}  // namespace tsr
