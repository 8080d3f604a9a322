// Model folders: official and Diffusers layouts built from the golden weights load with the
// official key names bit for bit; incomplete, unknown and corrupt folders give clear errors.
#include <filesystem>

#include "core/json.h"
#include "io/model_folder.h"
#include "io/renames.h"
#include "io/safetensors_writer.h"
#include "models/configs.h"
#include "models/dit.h"
#include "models/t5.h"
#include "models/vae.h"
#include "io_test_util.h"

using namespace tsr;
using namespace tsr::test;
namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  write_bytes(p.string(), Bytes(s.begin(), s.end()));
}

std::shared_ptr<WeightStore> open_golden(const std::string& name) {
  auto s = WeightStore::open(golden(name));
  if (!s.ok()) fail(__FILE__, __LINE__, s.status().to_string());
  return s.ok() ? *s : nullptr;
}

std::string fixture_config(const std::string& io_name) {
  auto s = open_golden(io_name);
  return s ? s->metadata().at("config") : "{}";
}

// Writes `src` under renamed keys (`rename(official)`; "" drops the key) into `path`.
template <class F>
void write_renamed(const WeightStore& src, const std::string& path, F rename,
                   std::map<std::string, Tensor> extra = {}) {
  std::map<std::string, Tensor> out = std::move(extra);
  for (const std::string& k : src.keys()) {
    auto t = src.get(k);
    std::string name = rename(k);
    if (t.ok() && !name.empty()) out[name] = *t;
  }
  Status st = write_safetensors(path, out);
  if (!st.ok()) fail(__FILE__, __LINE__, st.to_string());
}

// ---- Official -> Diffusers names, written independently of the library's tables: the DiT
// by the spec's ordered substring replacements (§4.2), the VAE by explicit index tables for
// num_res_blocks = 2 (§5.6), the text encoder by the §6.3 table.
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string dit_to_diffusers(std::string k) {
  const std::pair<const char*, const char*> rules[] = {
      {"time_embedding.0", "condition_embedder.time_embedder.linear_1"},
      {"time_embedding.2", "condition_embedder.time_embedder.linear_2"},
      {"text_embedding.0", "condition_embedder.text_embedder.linear_1"},
      {"text_embedding.2", "condition_embedder.text_embedder.linear_2"},
      {"time_projection.1", "condition_embedder.time_proj"},
      {"head.modulation", "scale_shift_table"},
      {"head.head", "proj_out"},
      {"modulation", "scale_shift_table"},
      {"ffn.0", "ffn.net.0.proj"},
      {"ffn.2", "ffn.net.2"},
      {"norm2", "norm__swap"},
      {"norm3", "norm2"},
      {"norm__swap", "norm3"},
      {"self_attn.q", "attn1.to_q"},
      {"self_attn.k", "attn1.to_k"},
      {"self_attn.v", "attn1.to_v"},
      {"self_attn.o", "attn1.to_out.0"},
      {"self_attn.norm_q", "attn1.norm_q"},
      {"self_attn.norm_k", "attn1.norm_k"},
      {"cross_attn.q", "attn2.to_q"},
      {"cross_attn.k", "attn2.to_k"},
      {"cross_attn.v", "attn2.to_v"},
      {"cross_attn.o", "attn2.to_out.0"},
      {"cross_attn.norm_q", "attn2.norm_q"},
      {"cross_attn.norm_k", "attn2.norm_k"},
  };
  for (auto& [from, to] : rules) k = replace_all(k, from, to);
  return k;
}

std::string residual_to_diffusers(std::string k) {
  k = replace_all(k, ".residual.0.", ".norm1.");
  k = replace_all(k, ".residual.2.", ".conv1.");
  k = replace_all(k, ".residual.3.", ".norm2.");
  k = replace_all(k, ".residual.6.", ".conv2.");
  return replace_all(k, ".shortcut.", ".conv_shortcut.");
}

std::string vae_to_diffusers(const std::string& k) {
  if (k.rfind("conv1.", 0) == 0) return "quant_conv." + k.substr(6);
  if (k.rfind("conv2.", 0) == 0) return "post_quant_conv." + k.substr(6);
  for (const char* side : {"encoder.", "decoder."}) {
    std::string s = side;
    if (k.rfind(s, 0) != 0) continue;
    std::string r = k.substr(s.size());
    if (r.rfind("conv1.", 0) == 0) return s + "conv_in." + r.substr(6);
    if (r.rfind("head.0.", 0) == 0) return s + "norm_out." + r.substr(7);
    if (r.rfind("head.2.", 0) == 0) return s + "conv_out." + r.substr(7);
    if (r.rfind("middle.0.", 0) == 0) return residual_to_diffusers(s + "mid_block.resnets.0." + r.substr(9));
    if (r.rfind("middle.1.", 0) == 0) return s + "mid_block.attentions.0." + r.substr(9);
    if (r.rfind("middle.2.", 0) == 0) return residual_to_diffusers(s + "mid_block.resnets.1." + r.substr(9));
    if (r.rfind("downsamples.", 0) == 0) return residual_to_diffusers(s + "down_blocks." + r.substr(12));
    if (r.rfind("upsamples.", 0) == 0) {
      size_t dot = r.find('.', 10);
      int idx = std::stoi(r.substr(10, dot - 10));
      std::string rest = r.substr(dot);
      // Flat decoder list for num_res_blocks = 2: 3 resnets + 1 upsampler per block.
      static const char* table[] = {"up_blocks.0.resnets.0", "up_blocks.0.resnets.1", "up_blocks.0.resnets.2",
                                    "up_blocks.0.upsamplers.0", "up_blocks.1.resnets.0", "up_blocks.1.resnets.1",
                                    "up_blocks.1.resnets.2", "up_blocks.1.upsamplers.0", "up_blocks.2.resnets.0",
                                    "up_blocks.2.resnets.1", "up_blocks.2.resnets.2", "up_blocks.2.upsamplers.0",
                                    "up_blocks.3.resnets.0", "up_blocks.3.resnets.1", "up_blocks.3.resnets.2"};
      return residual_to_diffusers(s + table[idx] + rest);
    }
  }
  return k;
}

std::string t5_to_hf(const std::string& k) {
  if (k == "token_embedding.weight") return "shared.weight";
  if (k == "norm.weight") return "encoder.final_layer_norm.weight";
  size_t dot = k.find('.', 7);
  std::string l = k.substr(7, dot - 7), r = k.substr(dot + 1), b = "encoder.block." + l + ".layer.";
  if (r == "norm1.weight") return b + "0.layer_norm.weight";
  if (r == "attn.q.weight") return b + "0.SelfAttention.q.weight";
  if (r == "attn.k.weight") return b + "0.SelfAttention.k.weight";
  if (r == "attn.v.weight") return b + "0.SelfAttention.v.weight";
  if (r == "attn.o.weight") return b + "0.SelfAttention.o.weight";
  if (r == "pos_embedding.embedding.weight") return b + "0.SelfAttention.relative_attention_bias.weight";
  if (r == "norm2.weight") return b + "1.layer_norm.weight";
  if (r == "ffn.gate.0.weight") return b + "1.DenseReluDense.wi_0.weight";
  if (r == "ffn.fc1.weight") return b + "1.DenseReluDense.wi_1.weight";
  if (r == "ffn.fc2.weight") return b + "1.DenseReluDense.wo.weight";
  return "unknown." + k;
}

// An official-layout folder from the golden files (T5 and VAE as .pth, like the release).
std::string make_official(const std::string& tessera = "") {
  fs::path d = temp_dir();
  write_text(d / "config.json", fixture_config("wan_dit_tiny.io.safetensors"));
  fs::copy_file(golden("wan_dit_tiny.weights.safetensors"), d / "diffusion_pytorch_model.safetensors");
  fs::copy_file(golden("wan_vae_tiny.weights.pth"), d / "Wan2.1_VAE.pth");
  fs::copy_file(golden("umt5_tiny.weights.bf16.pth"), d / "models_t5_umt5-xxl-enc-bf16.pth");
  write_text(d / "google/umt5-xxl/tokenizer.json", "{\"model\": {}}");
  if (!tessera.empty()) write_text(d / "tessera.json", tessera);
  return d.string();
}

std::string make_diffusers() {
  fs::path d = temp_dir();
  auto dit = open_golden("wan_dit_tiny.weights.safetensors");
  auto vae = open_golden("wan_vae_tiny.weights.safetensors");
  auto t5 = open_golden("umt5_tiny.weights.safetensors");
  if (!dit || !vae || !t5) return d.string();
  fs::create_directories(d / "transformer");
  fs::create_directories(d / "vae");
  fs::create_directories(d / "text_encoder");
  write_text(d / "transformer/config.json",
             R"({"_class_name": "WanTransformer3DModel", "patch_size": [1, 2, 2], "num_attention_heads": 4,
                 "attention_head_dim": 32, "in_channels": 16, "out_channels": 16, "text_dim": 64, "freq_dim": 256,
                 "ffn_dim": 256, "num_layers": 2, "cross_attn_norm": true, "qk_norm": "rms_norm_across_heads",
                 "eps": 1e-06, "image_dim": null, "added_kv_proj_dim": null, "rope_max_seq_len": 1024})");
  // Transformer split over two shards with an index, as the 14B release is.
  std::map<std::string, Tensor> s1, s2;
  std::string map;
  int i = 0;
  for (const std::string& k : dit->keys()) {
    std::string name = dit_to_diffusers(k);
    bool first = i++ % 2 == 0;
    (first ? s1 : s2)[name] = dit->get(k).value();
    map += std::string(map.empty() ? "" : ",") + "\"" + name + "\":\"diffusion_pytorch_model-0000" + (first ? "1" : "2") +
           "-of-00002.safetensors\"";
  }
  REQUIRE_OK(write_safetensors((d / "transformer/diffusion_pytorch_model-00001-of-00002.safetensors").string(), s1));
  REQUIRE_OK(write_safetensors((d / "transformer/diffusion_pytorch_model-00002-of-00002.safetensors").string(), s2));
  write_text(d / "transformer/diffusion_pytorch_model.safetensors.index.json", "{\"weight_map\":{" + map + "}}");

  write_text(d / "vae/config.json",
             R"({"_class_name": "AutoencoderKLWan", "base_dim": 8, "z_dim": 16, "dim_mult": [1, 2, 4, 4],
                 "num_res_blocks": 2, "attn_scales": [], "temperal_downsample": [false, true, true], "dropout": 0.0,
                 "latents_mean": [0], "latents_std": [1]})");
  write_renamed(*vae, (d / "vae/diffusion_pytorch_model.safetensors").string(), vae_to_diffusers);

  write_text(d / "text_encoder/config.json",
             R"({"architectures": ["UMT5EncoderModel"], "vocab_size": 300, "d_model": 64, "d_kv": 16, "d_ff": 128,
                 "num_heads": 4, "num_layers": 2, "relative_attention_num_buckets": 32,
                 "feed_forward_proj": "gated-gelu"})");
  // HF saves the tied embedding under both names.
  write_renamed(*t5, (d / "text_encoder/model.safetensors").string(), t5_to_hf,
                {{"encoder.embed_tokens.weight", t5->get("token_embedding.weight").value()}});
  write_text(d / "tokenizer/tokenizer.json", "{}");
  return d.string();
}

Json parse(const std::string& s) {
  auto j = Json::parse(s);
  if (!j.ok()) fail(__FILE__, __LINE__, j.status().to_string());
  return j.ok() ? *j : Json();
}

}  // namespace

TSR_TEST(io_model_folder, official_layout) {
  const std::string tessera = R"({"format": "tessera-model/1", "t5": {"vocab": 300, "dim": 64}, "vae": {"dim": 8},
                                   "defaults": {"steps": 8}})";
  auto f = find_model_folder(make_official(tessera));
  REQUIRE_OK(f.status());
  CHECK(f->layout == ModelLayout::Official);
  CHECK(std::string(layout_name(f->layout)) == "official");
  CHECK(f->tokenizer.find("google/umt5-xxl/tokenizer.json") != std::string::npos);
  CHECK(parse(f->dit.config).get_int("dim", 0) == 128);
  CHECK(parse(f->t5.config).get_int("vocab", 0) == 300);
  CHECK(parse(f->vae.config).get_int("dim", 0) == 8);
  CHECK(parse(f->tessera_json).find("defaults") != nullptr);

  auto dit = open_dit_weights(*f);
  auto vae = open_vae_weights(*f);
  auto t5 = open_t5_weights(*f);
  REQUIRE_OK(dit.status());
  REQUIRE_OK(vae.status());
  REQUIRE_OK(t5.status());
  expect_same_store(**dit, *open_golden("wan_dit_tiny.weights.safetensors"));
  expect_same_store(**vae, *open_golden("wan_vae_tiny.weights.safetensors"));
  expect_same_store(**t5, *open_golden("umt5_tiny.weights.bf16.safetensors"));

  // Without tessera.json the small models fall back to "{}" (Wan2.1 defaults).
  auto plain = find_model_folder(make_official());
  REQUIRE_OK(plain.status());
  CHECK(plain->t5.config == "{}" && plain->vae.config == "{}" && plain->tessera_json.empty());
}

TSR_TEST(io_model_folder, official_sharded_and_comfy_prefix) {
  auto src = open_golden("wan_dit_tiny.weights.safetensors");
  REQUIRE(src);
  // Shards without an index, keys carrying ComfyUI's prefix.
  fs::path d = make_official();
  fs::remove(d / "diffusion_pytorch_model.safetensors");
  std::map<std::string, Tensor> parts[3];
  int i = 0;
  for (const std::string& k : src->keys()) parts[i++ % 3]["model.diffusion_model." + k] = src->get(k).value();
  for (int s = 0; s < 3; ++s)
    REQUIRE_OK(write_safetensors((d / ("diffusion_pytorch_model-0000" + std::to_string(s + 1) + "-of-00003.safetensors")).string(),
                                 parts[s]));
  auto f = find_model_folder(d.string());
  REQUIRE_OK(f.status());
  CHECK(f->dit.weights.size() == 3);
  auto dit = open_dit_weights(*f);
  REQUIRE_OK(dit.status());
  expect_same_store(**dit, *src);

  // A missing shard is named.
  fs::remove(d / "diffusion_pytorch_model-00002-of-00003.safetensors");
  Status st = find_model_folder(d.string()).status();
  CHECK_CODE(st, Code::NotFound);
  CHECK(st.message().find("shard 2 of 3") != std::string::npos);
}

TSR_TEST(io_model_folder, diffusers_layout) {
  std::string dir = make_diffusers();
  auto f = find_model_folder(dir);
  REQUIRE_OK(f.status());
  CHECK(f->layout == ModelLayout::Diffusers);
  CHECK(f->dit.config_path.find("transformer/config.json") != std::string::npos);
  Json dit_cfg = parse(f->dit.config);
  CHECK(dit_cfg.get_int("dim", 0) == 128);
  CHECK(dit_cfg.get_int("num_heads", 0) == 4);
  CHECK(dit_cfg.get_int("in_dim", 0) == 16 && dit_cfg.get_int("ffn_dim", 0) == 256);
  CHECK(dit_cfg.get_string("model_type", "") == "t2v");
  CHECK(dit_cfg.get_bool("qk_norm", false));
  Json vae_cfg = parse(f->vae.config);
  CHECK(vae_cfg.get_int("dim", 0) == 8 && vae_cfg.get_int("num_res_blocks", 0) == 2);
  Json t5_cfg = parse(f->t5.config);
  CHECK(t5_cfg.get_int("vocab", 0) == 300 && t5_cfg.get_int("dim", 0) == 64 && t5_cfg.get_int("dim_attn", 0) == 64);
  CHECK(t5_cfg.get_int("dim_ffn", 0) == 128 && t5_cfg.get_int("num_buckets", 0) == 32);
  CHECK(!t5_cfg.get_bool("shared_pos", true));

  // The translated configs mean the same model as the fixtures' official configs.
  auto dc = DitConfig::from_json(f->dit.config);
  auto dref = DitConfig::from_json(fixture_config("wan_dit_tiny.io.safetensors"));
  REQUIRE_OK(dc.status());
  REQUIRE_OK(dref.status());
  CHECK(dc->dim == dref->dim && dc->num_heads == dref->num_heads && dc->ffn_dim == dref->ffn_dim &&
        dc->num_layers == dref->num_layers && dc->text_dim == dref->text_dim && dc->in_dim == dref->in_dim &&
        dc->out_dim == dref->out_dim && dc->freq_dim == dref->freq_dim && dc->eps == dref->eps);
  auto vc = VaeConfig::from_json(f->vae.config);
  auto vref = VaeConfig::from_json(fixture_config("wan_vae_tiny.io.safetensors"));
  REQUIRE_OK(vc.status());
  REQUIRE_OK(vref.status());
  CHECK(vc->dim == vref->dim && vc->z_dim == vref->z_dim && vc->num_res_blocks == vref->num_res_blocks);
  auto tc = T5Config::from_json(f->t5.config);
  auto tref = T5Config::from_json(fixture_config("umt5_tiny.io.safetensors"));
  REQUIRE_OK(tc.status());
  REQUIRE_OK(tref.status());
  CHECK(tc->vocab == tref->vocab && tc->dim == tref->dim && tc->dim_attn == tref->dim_attn &&
        tc->dim_ffn == tref->dim_ffn && tc->num_heads == tref->num_heads && tc->num_layers == tref->num_layers &&
        tc->num_buckets == tref->num_buckets && tc->shared_pos == tref->shared_pos);

  // The files really hold Diffusers / HF names (spec §4.2, §5.6, §6.3).
  auto raw_dit = WeightStore::open(dir + "/transformer/diffusion_pytorch_model.safetensors.index.json");
  auto raw_vae = WeightStore::open(dir + "/vae/diffusion_pytorch_model.safetensors");
  auto raw_t5 = WeightStore::open(dir + "/text_encoder/model.safetensors");
  REQUIRE_OK(raw_dit.status());
  REQUIRE_OK(raw_vae.status());
  REQUIRE_OK(raw_t5.status());
  for (const char* k : {"blocks.0.attn1.to_out.0.weight", "blocks.1.attn2.norm_k.weight", "condition_embedder.time_proj.weight",
                        "scale_shift_table", "blocks.0.scale_shift_table", "blocks.0.norm2.weight",
                        "blocks.0.ffn.net.0.proj.weight", "proj_out.bias", "patch_embedding.weight"})
    CHECK((*raw_dit)->has(k));
  for (const char* k : {"decoder.up_blocks.1.resnets.0.conv_shortcut.weight", "decoder.up_blocks.0.upsamplers.0.time_conv.weight",
                        "decoder.up_blocks.2.upsamplers.0.resample.1.weight", "decoder.up_blocks.3.resnets.2.norm2.gamma",
                        "post_quant_conv.weight", "quant_conv.bias", "encoder.down_blocks.2.resample.1.weight",
                        "encoder.down_blocks.3.conv_shortcut.bias", "decoder.mid_block.attentions.0.to_qkv.weight",
                        "encoder.mid_block.resnets.1.conv2.weight", "encoder.conv_in.weight", "decoder.norm_out.gamma"})
    CHECK((*raw_vae)->has(k));
  for (const char* k : {"encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight", "shared.weight",
                        "encoder.embed_tokens.weight", "encoder.block.0.layer.1.DenseReluDense.wi_0.weight"})
    CHECK((*raw_t5)->has(k));

  auto dit = open_dit_weights(*f);
  auto vae = open_vae_weights(*f);
  auto t5 = open_t5_weights(*f);
  REQUIRE_OK(dit.status());
  REQUIRE_OK(vae.status());
  REQUIRE_OK(t5.status());
  expect_same_store(**dit, *open_golden("wan_dit_tiny.weights.safetensors"));
  expect_same_store(**vae, *open_golden("wan_vae_tiny.weights.safetensors"));
  expect_same_store(**t5, *open_golden("umt5_tiny.weights.safetensors"));
}

TSR_TEST(io_model_folder, key_conversions) {
  CHECK(dit_diffusers_to_official("blocks.12.attn2.to_out.0.bias") == "blocks.12.cross_attn.o.bias");
  CHECK(dit_diffusers_to_official("blocks.0.norm2.bias") == "blocks.0.norm3.bias");
  CHECK(dit_diffusers_to_official("blocks.3.attn2.add_k_proj.weight") == "blocks.3.cross_attn.k_img.weight");
  CHECK(dit_diffusers_to_official("condition_embedder.image_embedder.ff.net.2.weight") == "img_emb.proj.3.weight");
  CHECK(dit_diffusers_to_official("scale_shift_table") == "head.modulation");
  CHECK(dit_diffusers_to_official("proj_outer.weight") == "proj_outer.weight");  // whole segments only
  CHECK(t5_hf_to_official("encoder.block.23.layer.1.DenseReluDense.wo.weight") == "blocks.23.ffn.fc2.weight");
  CHECK(t5_hf_to_official("encoder.block.x.layer.0.layer_norm.weight") == "encoder.block.x.layer.0.layer_norm.weight");
  // A decoder with one resnet per block numbers its flat list differently.
  auto m = vae_diffusers_to_official({"decoder.up_blocks.0.resnets.0.conv1.weight", "decoder.up_blocks.0.upsamplers.0.resample.1.weight",
                                      "decoder.up_blocks.1.resnets.0.norm1.gamma", "decoder.up_blocks.1.upsamplers.0.time_conv.bias",
                                      "decoder.up_blocks.2.resnets.0.conv_shortcut.weight"});
  CHECK(m["decoder.up_blocks.0.resnets.0.conv1.weight"] == "decoder.upsamples.0.residual.2.weight");
  CHECK(m["decoder.up_blocks.0.upsamplers.0.resample.1.weight"] == "decoder.upsamples.1.resample.1.weight");
  CHECK(m["decoder.up_blocks.1.resnets.0.norm1.gamma"] == "decoder.upsamples.2.residual.0.gamma");
  CHECK(m["decoder.up_blocks.1.upsamplers.0.time_conv.bias"] == "decoder.upsamples.3.time_conv.bias");
  CHECK(m["decoder.up_blocks.2.resnets.0.conv_shortcut.weight"] == "decoder.upsamples.4.shortcut.weight");
}

TSR_TEST(io_model_folder, unknown_keys_stay_visible) {
  // A stray tensor in a Diffusers file is neither dropped nor renamed: a binder must see it.
  std::string dir = make_diffusers();
  auto dit = open_golden("wan_dit_tiny.weights.safetensors");
  REQUIRE(dit);
  fs::path tdir = fs::path(dir) / "transformer";
  for (auto& e : fs::directory_iterator(tdir))
    if (e.path().filename().string().find("diffusion_pytorch_model") == 0) fs::remove(e.path());
  write_renamed(*dit, (tdir / "diffusion_pytorch_model.safetensors").string(), dit_to_diffusers,
                {{"stray.weight", host_zeros(DType::F32, {2})}});
  auto f = find_model_folder(dir);
  REQUIRE_OK(f.status());
  auto s = open_dit_weights(*f);
  REQUIRE_OK(s.status());
  CHECK((*s)->has("stray.weight"));
  CHECK((*s)->has("blocks.1.norm3.weight"));
  CHECK(!(*s)->has("blocks.1.norm2.weight"));
}

TSR_TEST(io_model_folder, errors) {
  // Missing, a file, empty.
  CHECK_CODE(find_model_folder(temp_dir() + "/nowhere").status(), Code::NotFound);
  CHECK_CODE(find_model_folder(golden("umt5_tiny.weights.pth")).status(), Code::NotFound);
  Status st = find_model_folder(temp_dir()).status();
  CHECK_CODE(st, Code::NotFound);
  CHECK(st.message().find("not a Wan2.1 model folder") != std::string::npos);
  CHECK(st.message().find("config.json") != std::string::npos);
  CHECK(st.message().find("transformer/config.json") != std::string::npos);

  // Official but without a VAE: the message says what is missing and what was found.
  fs::path d = make_official();
  fs::remove(d / "Wan2.1_VAE.pth");
  st = find_model_folder(d.string()).status();
  CHECK_CODE(st, Code::NotFound);
  CHECK(st.message().find("missing Wan2.1_VAE.pth") != std::string::npos);
  CHECK(st.message().find("official") != std::string::npos);

  // Any models_t5*.safetensors stands in for the official umT5 file.
  fs::path e = make_official();
  fs::remove(e / "models_t5_umt5-xxl-enc-bf16.pth");
  CHECK_CODE(find_model_folder(e.string()).status(), Code::NotFound);
  fs::copy_file(golden("umt5_tiny.weights.safetensors"), e / "models_t5_custom.safetensors");
  auto f = find_model_folder(e.string());
  REQUIRE_OK(f.status());
  CHECK(f->t5.weights.at(0).find("models_t5_custom.safetensors") != std::string::npos);

  // Corrupt JSON in config.json or tessera.json.
  fs::path g = make_official("{\"t5\": [1, 2");
  CHECK_CODE(find_model_folder(g.string()).status(), Code::CorruptFile);
  fs::path h = make_official("{\"t5\": 3}");
  CHECK_CODE(find_model_folder(h.string()).status(), Code::CorruptFile);
  fs::path c = make_official();
  write_text(c / "config.json", "{dim: 3}");
  CHECK_CODE(find_model_folder(c.string()).status(), Code::CorruptFile);

  // Diffusers folder missing its text encoder; corrupt weights surface when opened.
  std::string dd = make_diffusers();
  fs::remove_all(fs::path(dd) / "text_encoder");
  st = find_model_folder(dd).status();
  CHECK_CODE(st, Code::NotFound);
  CHECK(st.message().find("text_encoder/config.json") != std::string::npos);
  fs::path bad = make_official();
  write_bytes((bad / "Wan2.1_VAE.pth").string(), Bytes{'P', 'K', 3, 4, 0, 0});
  auto fb = find_model_folder(bad.string());
  REQUIRE_OK(fb.status());
  st = open_vae_weights(*fb).status();
  CHECK_CODE(st, Code::CorruptFile);
  CHECK(st.message().find("VAE") != std::string::npos);
}

TSR_TEST(io_model_folder, models_load_from_both_layouts) {
  // The models bind every tensor they need, and nothing is left over, from either layout.
  for (const std::string& dir : {make_official("{\"t5\": {\"vocab\": 300, \"dim\": 64, \"dim_attn\": 64, \"dim_ffn\": 128, "
                                               "\"num_heads\": 4, \"num_layers\": 2}, \"vae\": {\"dim\": 8}}"),
                                 make_diffusers()}) {
    auto f = find_model_folder(dir);
    REQUIRE_OK(f.status());
    auto be = make_cpu_backend();
    auto dcfg = DitConfig::from_json(f->dit.config);
    auto tcfg = T5Config::from_json(f->t5.config);
    auto vcfg = VaeConfig::from_json(f->vae.config);
    REQUIRE_OK(dcfg.status());
    REQUIRE_OK(tcfg.status());
    REQUIRE_OK(vcfg.status());
    auto dit = open_dit_weights(*f);
    auto t5 = open_t5_weights(*f);
    auto vae = open_vae_weights(*f);
    REQUIRE_OK(dit.status());
    REQUIRE_OK(t5.status());
    REQUIRE_OK(vae.status());
    CHECK_OK(WanDit::load(**dit, *dcfg, *be).status());
    CHECK_OK(UmT5Encoder::load(**t5, *tcfg, *be).status());
    CHECK_OK(WanVae::load(**vae, *vcfg, *be).status());
  }
}
