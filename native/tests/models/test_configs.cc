// Config parsing: official constructor arguments, Diffusers / HF names, validation errors.
#include "harness.h"
#include "models/configs.h"

namespace tsr {
namespace {

TSR_TEST(models_configs, dit_official_names) {
  // The fixture's constructor arguments and the 1.3B release's config.json.
  auto tiny = DitConfig::from_json(
      R"({"patch_size": [1, 2, 2], "text_len": 16, "in_dim": 16, "dim": 128, "ffn_dim": 256,
          "freq_dim": 256, "text_dim": 64, "out_dim": 16, "num_heads": 4, "num_layers": 2,
          "window_size": [-1, -1], "qk_norm": true, "cross_attn_norm": true, "eps": 1e-06})");
  REQUIRE_OK(tiny.status());
  CHECK(tiny->dim == 128 && tiny->ffn_dim == 256 && tiny->num_heads == 4 && tiny->num_layers == 2);
  CHECK(tiny->text_dim == 64 && tiny->text_len == 16 && tiny->head_dim() == 32);
  CHECK(tiny->patch[0] == 1 && tiny->patch[1] == 2 && tiny->patch[2] == 2);
  CHECK_NEAR(tiny->eps, 1e-6, 1e-12);

  auto release = DitConfig::from_json(
      R"({"_class_name": "WanModel", "_diffusers_version": "0.30.0", "dim": 1536, "eps": 1e-06,
          "ffn_dim": 8960, "freq_dim": 256, "in_dim": 16, "model_type": "t2v", "num_heads": 12,
          "num_layers": 30, "out_dim": 16, "text_len": 512})");
  REQUIRE_OK(release.status());
  CHECK(release->dim == 1536 && release->head_dim() == 128 && release->text_dim == 4096);
  CHECK(release->num_layers == 30 && release->text_len == 512);
}

TSR_TEST(models_configs, dit_diffusers_names) {
  auto c = DitConfig::from_json(
      R"({"_class_name": "WanTransformer3DModel", "added_kv_proj_dim": null,
          "attention_head_dim": 128, "cross_attn_norm": true, "eps": 1e-06, "ffn_dim": 13824,
          "freq_dim": 256, "image_dim": null, "in_channels": 16, "num_attention_heads": 40,
          "num_layers": 40, "out_channels": 16, "patch_size": [1, 2, 2],
          "qk_norm": "rms_norm_across_heads", "rope_max_seq_len": 1024, "text_dim": 4096})");
  REQUIRE_OK(c.status());
  CHECK(c->dim == 5120 && c->num_heads == 40 && c->head_dim() == 128);
  CHECK(c->ffn_dim == 13824 && c->num_layers == 40 && c->in_dim == 16 && c->out_dim == 16);
  CHECK(c->text_len == 512);
  // Image conditioning is I2V.
  CHECK_CODE(DitConfig::from_json(R"({"num_attention_heads": 2, "attention_head_dim": 12,
                                      "image_dim": 1280})").status(),
             Code::Unsupported);
}

TSR_TEST(models_configs, dit_invalid_values) {
  CHECK_CODE(DitConfig::from_json(R"({"dim": 100, "num_heads": 3})").status(), Code::InvalidArgument);
  CHECK_CODE(DitConfig::from_json(R"({"dim": 60, "num_heads": 6})").status(),
             Code::InvalidArgument);  // head_dim 10 < 12
  CHECK_CODE(DitConfig::from_json(R"({"dim": 78, "num_heads": 6})").status(),
             Code::InvalidArgument);  // head_dim 13 is odd
  CHECK_OK(DitConfig::from_json(R"({"dim": 72, "num_heads": 6})").status());  // head_dim 12
  CHECK_CODE(DitConfig::from_json(R"({"dim": -5})").status(), Code::InvalidArgument);
  CHECK_CODE(DitConfig::from_json(R"({"dim": "1536"})").status(), Code::InvalidArgument);
  CHECK_CODE(DitConfig::from_json(R"({"dim": 1536.5})").status(), Code::InvalidArgument);
  CHECK_CODE(DitConfig::from_json(R"({"patch_size": [1, 2]})").status(), Code::InvalidArgument);
  CHECK_CODE(DitConfig::from_json(R"({"freq_dim": 255})").status(), Code::InvalidArgument);
  CHECK_CODE(DitConfig::from_json(R"({"eps": 0})").status(), Code::InvalidArgument);
  CHECK_CODE(DitConfig::from_json(R"({"model_type": "i2v"})").status(), Code::Unsupported);
  CHECK_CODE(DitConfig::from_json(R"({"window_size": [8, 8]})").status(), Code::Unsupported);
  CHECK_CODE(DitConfig::from_json(R"({"dim": 1536,)").status(), Code::CorruptFile);
  CHECK_CODE(DitConfig::from_json("[1, 2]").status(), Code::CorruptFile);
  CHECK_CODE(DitConfig::from_json("").status(), Code::CorruptFile);
  DitConfig hand;
  hand.num_heads = 7;
  CHECK_CODE(hand.validate(), Code::InvalidArgument);
}

TSR_TEST(models_configs, t5_official_and_hf_names) {
  auto tiny = T5Config::from_json(
      R"({"vocab": 300, "dim": 64, "dim_attn": 64, "dim_ffn": 128, "num_heads": 4,
          "num_layers": 2, "num_buckets": 32, "shared_pos": false, "dropout": 0.0})");
  REQUIRE_OK(tiny.status());
  CHECK(tiny->vocab == 300 && tiny->dim == 64 && tiny->dim_attn == 64 && tiny->dim_ffn == 128);
  CHECK(tiny->num_heads == 4 && tiny->head_dim() == 16 && tiny->num_layers == 2);
  CHECK(tiny->num_buckets == 32 && !tiny->shared_pos && tiny->max_distance == 128);

  auto hf = T5Config::from_json(
      R"({"architectures": ["UMT5EncoderModel"], "d_ff": 10240, "d_kv": 64, "d_model": 4096,
          "dense_act_fn": "gelu_new", "feed_forward_proj": "gated-gelu", "is_gated_act": true,
          "layer_norm_epsilon": 1e-06, "model_type": "umt5", "num_decoder_layers": 24,
          "num_heads": 64, "num_layers": 24, "relative_attention_max_distance": 128,
          "relative_attention_num_buckets": 32, "vocab_size": 256384})");
  REQUIRE_OK(hf.status());
  CHECK(hf->vocab == 256384 && hf->dim == 4096 && hf->dim_attn == 4096 && hf->dim_ffn == 10240);
  CHECK(hf->num_heads == 64 && hf->num_layers == 24 && hf->num_buckets == 32 && !hf->shared_pos);

  CHECK_CODE(T5Config::from_json(R"({"d_model": 64, "feed_forward_proj": "relu"})").status(),
             Code::Unsupported);
  CHECK_CODE(T5Config::from_json(R"({"dim_attn": 66, "num_heads": 4})").status(),
             Code::InvalidArgument);
  CHECK_CODE(T5Config::from_json(R"({"num_buckets": 31})").status(), Code::InvalidArgument);
  CHECK_CODE(T5Config::from_json(R"({"vocab": 0})").status(), Code::InvalidArgument);
  CHECK_CODE(T5Config::from_json(R"({"shared_pos": 1})").status(), Code::InvalidArgument);
  CHECK_CODE(T5Config::from_json("{").status(), Code::CorruptFile);
}

TSR_TEST(models_configs, vae_official_and_diffusers_names) {
  auto tiny = VaeConfig::from_json(
      R"({"dim": 8, "z_dim": 16, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2,
          "attn_scales": [], "temperal_downsample": [false, true, true], "dropout": 0.0})");
  REQUIRE_OK(tiny.status());
  CHECK(tiny->dim == 8 && tiny->z_dim == 16 && tiny->num_res_blocks == 2);
  CHECK(tiny->dim_mult[0] == 1 && tiny->dim_mult[1] == 2 && tiny->dim_mult[3] == 4);
  CHECK(!tiny->temperal_downsample[0] && tiny->temperal_downsample[1] && tiny->temperal_downsample[2]);
  CHECK(tiny->latents_mean.empty());

  auto diffusers = VaeConfig::from_json(
      R"({"_class_name": "AutoencoderKLWan", "attn_scales": [], "base_dim": 96,
          "dim_mult": [1, 2, 4, 4], "dropout": 0.0,
          "latents_mean": [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
                           0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921],
          "latents_std": [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                          3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.916],
          "num_res_blocks": 2, "temperal_downsample": [false, true, true], "z_dim": 16})");
  REQUIRE_OK(diffusers.status());
  CHECK(diffusers->dim == 96 && diffusers->z_dim == 16);
  REQUIRE(diffusers->latents_mean.size() == 16 && diffusers->latents_std.size() == 16);
  CHECK(diffusers->latents_mean[7] == 1.5508f && diffusers->latents_std[15] == 1.916f);

  CHECK_CODE(VaeConfig::from_json(R"({"dim_mult": [1, 2, 4]})").status(), Code::InvalidArgument);
  CHECK_CODE(VaeConfig::from_json(R"({"temperal_downsample": [false, true]})").status(),
             Code::InvalidArgument);
  CHECK_CODE(VaeConfig::from_json(R"({"temperal_downsample": [0, 1, 1]})").status(),
             Code::InvalidArgument);
  CHECK_CODE(VaeConfig::from_json(R"({"attn_scales": [0.5]})").status(), Code::Unsupported);
  CHECK_CODE(VaeConfig::from_json(R"({"is_residual": true})").status(), Code::Unsupported);
  CHECK_CODE(VaeConfig::from_json(R"({"num_res_blocks": 0})").status(), Code::InvalidArgument);
  CHECK_CODE(VaeConfig::from_json(R"({"latents_mean": [1, 2]})").status(), Code::InvalidArgument);
  CHECK_CODE(VaeConfig::from_json(R"({"z_dim": 16, "latents_std": [0, 1, 1, 1, 1, 1, 1, 1,
                                      1, 1, 1, 1, 1, 1, 1, 1]})").status(),
             Code::InvalidArgument);
  CHECK_CODE(VaeConfig::from_json("null").status(), Code::CorruptFile);
}

}  // namespace
}  // namespace tsr
