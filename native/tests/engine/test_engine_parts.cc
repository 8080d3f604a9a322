// Engine pieces that need no model: attention rules, sizes, tessera.json, memory estimate,
// uint8 conversion, preview projection, token id preparation.
#include <cmath>

#include "engine/app_config.h"
#include "engine/attn_rules.h"
#include "engine/memory_estimate.h"
#include "engine/preview.h"
#include "engine/rgb_convert.h"
#include "engine/text_encode.h"
#include "engine/video_size.h"
#include "harness.h"

using namespace tsr;

namespace {
HeadPattern sta(int t, int h, int w) {
  HeadPattern p;
  p.kind = AttnPattern::Sta;
  p.window[0] = t, p.window[1] = h, p.window[2] = w;
  return p;
}
AttnRule rule(int sb, int se, int lb, int le, int head, HeadPattern p) {
  AttnRule r;
  r.step_begin = sb, r.step_end = se, r.layer_begin = lb, r.layer_end = le, r.head = head, r.pattern = p;
  return r;
}
}  // namespace

TSR_TEST(attn_rules, later_rules_override_and_ranges_are_half_open) {
  AttnConfig cfg;
  cfg.tile[0] = 4;
  cfg.rules.push_back(rule(2, -1, 0, -1, -1, sta(3, 3, 3)));   // steps >= 2, all layers/heads
  cfg.rules.push_back(rule(0, -1, 1, 2, 0, sta(1, 5, 7)));     // layer 1 head 0, every step
  cfg.rules.push_back(rule(4, 5, 0, -1, -1, HeadPattern{}));   // step 4 back to dense
  REQUIRE_OK(validate_attn_config(cfg, 3, 2));
  // Step 0: only layer 1 head 0.
  AttnPlan p0 = plan_for_step(cfg, 0, 6, 3, 2);
  CHECK(p0.tile[0] == 4 && p0.tile[1] == 8 && p0.tile[2] == 8);
  REQUIRE(p0.layers.size() == 3);
  CHECK(p0.layers[0][0].kind == AttnPattern::Dense);
  CHECK(p0.layers[1][0].kind == AttnPattern::Sta && p0.layers[1][0].window[1] == 5);
  CHECK(p0.layers[1][1].kind == AttnPattern::Dense);
  // Step 2: everything (3,3,3) except layer 1 head 0, which the later rule overrides.
  AttnPlan p2 = plan_for_step(cfg, 2, 6, 3, 2);
  CHECK(p2.layers[0][1].window[0] == 3);
  CHECK(p2.layers[2][0].window[2] == 3);
  CHECK(p2.layers[1][0].window[2] == 7);
  // Step 4: all dense again -> empty plan.
  CHECK(plan_for_step(cfg, 4, 6, 3, 2).layers.empty());
  // Step 5: the step-4 rule's range [4, 5) no longer applies.
  CHECK(plan_for_step(cfg, 5, 6, 3, 2).layers[0][0].kind == AttnPattern::Sta);
  // No rules: dense.
  CHECK(plan_for_step(AttnConfig{}, 0, 6, 3, 2).layers.empty());
}

TSR_TEST(attn_rules, ranges_beyond_the_model_are_clipped) {
  AttnConfig cfg;
  cfg.rules.push_back(rule(0, 100, 28, 40, -1, sta(1, 1, 1)));
  REQUIRE_OK(validate_attn_config(cfg, 30, 12));
  AttnPlan p = plan_for_step(cfg, 7, 8, 30, 12);
  REQUIRE(p.layers.size() == 30);
  CHECK(p.layers[27][0].kind == AttnPattern::Dense);
  CHECK(p.layers[29][11].kind == AttnPattern::Sta);
  // A model with fewer layers: the rule applies to none.
  CHECK(plan_for_step(cfg, 0, 8, 20, 12).layers.empty());
}

TSR_TEST(attn_rules, invalid_rules_are_rejected) {
  AttnConfig cfg;
  cfg.rules.push_back(rule(0, -1, 0, -1, 12, sta(1, 1, 1)));
  CHECK_CODE(validate_attn_config(cfg, 30, 12), Code::InvalidArgument);  // head 12 of 12
  cfg.rules[0] = rule(5, 2, 0, -1, -1, sta(1, 1, 1));
  CHECK_CODE(validate_attn_config(cfg, 30, 12), Code::InvalidArgument);  // end < begin
  cfg.rules[0] = rule(0, -1, 0, -1, -1, sta(0, 1, 1));
  CHECK_CODE(validate_attn_config(cfg, 30, 12), Code::InvalidArgument);  // zero window
  cfg.rules[0] = rule(0, -1, -2, -1, -1, sta(1, 1, 1));
  CHECK_CODE(validate_attn_config(cfg, 30, 12), Code::InvalidArgument);  // negative begin
  cfg.rules[0].layer_begin = 0;
  cfg.rules[0].pattern.kind = AttnPattern::Tile;
  cfg.rules[0].pattern.global_frames = -1;
  CHECK_CODE(validate_attn_config(cfg, 30, 12), Code::InvalidArgument);
  AttnConfig bad_tile;
  bad_tile.tile[1] = 0;
  CHECK_CODE(validate_attn_config(bad_tile, 30, 12), Code::InvalidArgument);
}

TSR_TEST(video_size, wan_geometry_and_limits) {
  DitConfig dit;
  VaeConfig vae;
  auto g = latent_geometry(dit, vae, 832, 480, 81);
  REQUIRE_OK(g.status());
  CHECK(g->t == 21 && g->h == 60 && g->w == 104);
  CHECK(g->grid[0] == 21 && g->grid[1] == 30 && g->grid[2] == 52);
  CHECK(g->tokens() == 32760);
  auto one = latent_geometry(dit, vae, 16, 16, 1);
  REQUIRE_OK(one.status());
  CHECK(one->t == 1 && one->grid[1] == 1);
  CHECK_CODE(latent_geometry(dit, vae, 832, 480, 80).status(), Code::InvalidSize);
  CHECK_CODE(latent_geometry(dit, vae, 832, 480, 0).status(), Code::InvalidSize);
  CHECK_CODE(latent_geometry(dit, vae, 840, 480, 81).status(), Code::InvalidSize);
  CHECK_CODE(latent_geometry(dit, vae, 832, 0, 81).status(), Code::InvalidSize);
  CHECK_CODE(latent_geometry(dit, vae, -16, 480, 81).status(), Code::InvalidSize);
  CHECK_CODE(latent_geometry(dit, vae, 16 * 1025, 480, 81).status(), Code::InvalidSize);
  CHECK_OK(latent_geometry(dit, vae, 16 * 1024, 16, 1).status());
  CHECK_CODE(latent_geometry(dit, vae, 16, 16, 4 * 1024 + 1).status(), Code::InvalidSize);
  // The message says what is valid.
  auto st = latent_geometry(dit, vae, 832, 480, 80).status();
  CHECK(st.message().find("4*n+1") != std::string::npos);
}

TSR_TEST(app_config, parses_docs_example) {
  const char* text = R"({"format": "tessera-model/1", "name": "Tessera demo",
    "t5": {"vocab": 512, "dim": 64, "dim_attn": 64, "dim_ffn": 128, "num_heads": 4, "num_layers": 2},
    "vae": {"dim": 8, "z_dim": 16},
    "latent_mean": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0.5], "latent_std": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2],
    "defaults": {"width": 128, "height": 128, "frames": 17, "steps": 8, "guidance": 5.0, "shift": 3.0,
                 "sampler": "fewstep", "timesteps": [1000, 757, 522], "negative_prompt": "blurry",
                 "attention": {"tile": [2, 4, 4], "rules": [
                   {"steps": [1, -1], "pattern": "sta", "window": [3, 3, 5]},
                   {"layers": [0, 1], "head": 1, "pattern": "tile", "globalFrames": 2}]}}})";
  auto c = parse_app_config(text);
  REQUIRE_OK(c.status());
  CHECK(c->name == "Tessera demo");
  CHECK(c->t5_json.find("\"vocab\"") != std::string::npos);
  CHECK(c->latent_mean.size() == 16 && c->latent_std[15] == 2.0f);
  const AppDefaults& d = c->defaults;
  CHECK(d.width == 128 && d.height == 128 && d.frames == 17 && d.steps == 8);
  CHECK(d.guidance == 5.0f && d.shift == 3.0f && d.sampler == "fewstep");
  CHECK((d.timesteps == std::vector<int>{1000, 757, 522}));
  CHECK(d.negative_prompt == "blurry");
  CHECK(d.attention.tile[0] == 2 && d.attention.tile[2] == 4);
  REQUIRE(d.attention.rules.size() == 2);
  CHECK(d.attention.rules[0].step_begin == 1 && d.attention.rules[0].step_end == -1);
  CHECK(d.attention.rules[0].pattern.kind == AttnPattern::Sta && d.attention.rules[0].pattern.window[2] == 5);
  CHECK(d.attention.rules[1].head == 1 && d.attention.rules[1].pattern.global_frames == 2);
  CHECK(d.attention.rules[1].layer_end == 1);
}

TSR_TEST(app_config, rejects_malformed_files) {
  CHECK_CODE(parse_app_config("{").status(), Code::CorruptFile);
  CHECK_CODE(parse_app_config("[]").status(), Code::CorruptFile);
  CHECK_CODE(parse_app_config(R"({"latent_mean": [1, 2], "latent_std": [1]})").status(), Code::CorruptFile);
  CHECK_CODE(parse_app_config(R"({"latent_mean": [1], "latent_std": [0]})").status(), Code::CorruptFile);
  CHECK_CODE(parse_app_config(R"({"defaults": {"sampler": "ddim"}})").status(), Code::CorruptFile);
  CHECK_CODE(parse_app_config(R"({"defaults": {"attention": {"rules": [{"pattern": "sta"}]}}})").status(),
             Code::CorruptFile);
  CHECK_CODE(parse_app_config(R"({"defaults": {"attention": {"rules": [{"pattern": "x"}]}}})").status(),
             Code::CorruptFile);
  CHECK_CODE(parse_app_config(R"({"t5": 3})").status(), Code::CorruptFile);
  // Empty object and a missing file are fine.
  CHECK_OK(parse_app_config("{}").status());
  auto missing = read_app_config(test::temp_dir() + "/none.json");
  CHECK_OK(missing.status());
}

TSR_TEST(memory_estimate, grows_with_size_and_counts_stages) {
  MemoryInputs in;  // Wan2.1 1.3B-like
  in.dit.dim = 1536;
  in.dit.ffn_dim = 8960;
  in.dit.num_layers = 30;
  in.dit_params = 1'300'000'000ull;
  in.t5_params = 5'700'000'000ull;
  in.vae_params = 127'000'000ull;
  in.weight_bytes = 2;
  in.activation_bytes = 2;
  DitConfig dit;
  VaeConfig vae;
  auto small = latent_geometry(dit, vae, 480, 272, 17);
  auto big = latent_geometry(dit, vae, 832, 480, 81);
  REQUIRE_OK(small.status());
  REQUIRE_OK(big.status());
  MemoryEstimate a = estimate_memory(in, *small, 17, true);
  MemoryEstimate b = estimate_memory(in, *big, 81, true);
  // The stages grow with the clip.
  CHECK(b.peak_bytes >= a.peak_bytes);
  CHECK(b.denoise_bytes > a.denoise_bytes && b.decode_bytes > a.decode_bytes);
  CHECK(b.activations_bytes > a.activations_bytes);
  MemoryInputs small_t5 = in;
  small_t5.t5_params = 1'000'000;
  CHECK(estimate_memory(small_t5, *big, 81, true).peak_bytes > estimate_memory(small_t5, *small, 17, true).peak_bytes);
  CHECK(a.weights_bytes == b.weights_bytes);
  CHECK(a.weights_bytes == in.dit_params * 2 + in.vae_params * 4 + in.t5_params * 2);
  // Peak: resident DiT + VAE + the largest stage. A text encoder that is not kept streams one
  // layer at a time (umT5-XXL: 7 matrices of 4096 x 4096/10240 in bf16, about 0.4 GB), so its
  // 11 GB never sit on the device together.
  const uint64_t resident = in.dit_params * 2 + in.vae_params * 4;
  CHECK(b.peak_bytes >= resident);
  CHECK(b.peak_bytes < resident + in.t5_params * 2);
  // Keeping the encoder resident costs its whole size.
  in.keep_text_encoder = true;
  CHECK(estimate_memory(in, *big, 81, true).peak_bytes >= resident + in.t5_params * 2);
  // 480p 81 frames: a few GB of activations, far below 100 GB.
  CHECK(b.activations_bytes > (1ull << 30));
  CHECK(b.activations_bytes < (100ull << 30));
}

TSR_TEST(rgb_convert, truncates_like_torch) {
  Tensor v = host_empty(DType::F32, {3, 1, 1, 4});
  const float vals[4] = {-2.0f, 1.0f, 0.0f, NAN};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i) v.data_as<float>()[c * 4 + i] = vals[i];
  auto f = video_to_rgb(v);
  REQUIRE_OK(f.status());
  CHECK(f->frames == 1 && f->height == 1 && f->width == 4);
  CHECK(f->rgb[0] == 0);    // clamped -1
  CHECK(f->rgb[3] == 255);  // 1
  CHECK(f->rgb[6] == 127);  // 0 -> 127.5 truncated
  CHECK(f->rgb[9] == 0);    // NaN
  // Exhaustive check of the formula against float32 arithmetic written out.
  for (int i = -1100; i <= 1100; ++i) {
    float x = i / 1000.0f;
    float c = std::fmin(1.0f, std::fmax(-1.0f, x));
    CHECK(unit_to_u8(x) == uint8_t(std::floor((c + 1.0f) / 2.0f * 255.0f)));
  }
}

TSR_TEST(preview, linear_fit_recovers_a_linear_map) {
  test::Rng rng(5);
  const int k = 16, n = 300;
  std::vector<float> W(3 * k), b = {0.1f, -0.2f, 0.3f}, z(n * k), rgb(n * 3);
  for (float& w : W) w = rng.normal() * 0.2f;
  for (float& v : z) v = rng.normal();
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < 3; ++c) {
      double s = b[c];
      for (int j = 0; j < k; ++j) s += W[c * k + j] * z[r * k + j];
      rgb[r * 3 + c] = float(s);
    }
  PreviewProjection p = fit_linear_rgb(z, rgb, k);
  for (int i = 0; i < 3 * k; ++i) CHECK_NEAR(p.weight[i], W[i], 1e-4);
  for (int c = 0; c < 3; ++c) CHECK_NEAR(p.bias[c], b[c], 1e-4);
  CHECK(p.r2 > 0.999999);
  // Degenerate input (all z zero) still gives a finite answer: the mean colour.
  std::vector<float> z0(n * k, 0.0f);
  PreviewProjection q = fit_linear_rgb(z0, rgb, k);
  for (float w : q.weight) CHECK(std::isfinite(w));
  double mean0 = 0;
  for (int r = 0; r < n; ++r) mean0 += rgb[r * 3];
  CHECK_NEAR(q.bias[0], mean0 / n, 1e-4);
}

TSR_TEST(preview, renders_every_frame_at_the_requested_size) {
  PreviewProjection p;
  p.z_dim = 2;
  p.weight = {1, 0, 0, 1, 0, 0};  // r = z0, g = z1, b = 0
  Tensor x0 = host_zeros(DType::F32, {2, 3, 4, 6});
  // Frame 1 is red (z0 = 1), frame 2 green.
  for (int i = 0; i < 24; ++i) {
    x0.data_as<float>()[(0 * 3 + 1) * 24 + i] = 1.0f;
    x0.data_as<float>()[(1 * 3 + 2) * 24 + i] = 1.0f;
  }
  auto f = render_preview(p, x0, 0);
  REQUIRE_OK(f.status());
  CHECK(f->frames == 3 && f->height == 32 && f->width == 48);
  auto px = [&](int t, int y, int x, int c) { return f->rgb[((size_t(t) * f->height + y) * f->width + x) * 3 + c]; };
  CHECK(px(0, 5, 5, 0) == 127 && px(0, 5, 5, 1) == 127);
  CHECK(px(1, 9, 20, 0) == 255 && px(1, 9, 20, 1) == 127);
  CHECK(px(2, 31, 47, 1) == 255 && px(2, 31, 47, 2) == 127);
  auto s = render_preview(p, x0, 24);
  REQUIRE_OK(s.status());
  CHECK(s->width == 24 && s->height == 16 && s->frames == 3);
  CHECK(s->rgb.size() == size_t(3) * 16 * 24 * 3);
  Tensor wrong = host_zeros(DType::F32, {3, 1, 2, 2});
  CHECK_CODE(render_preview(p, wrong, 0).status(), Code::Internal);
}

TSR_TEST(text_encode, prepare_ids_pads_truncates_and_checks) {
  auto e = prepare_ids({}, 16, 100);
  REQUIRE_OK(e.status());
  CHECK((*e == std::vector<int32_t>{kEosId}));
  std::vector<int32_t> longer;
  for (int i = 0; i < 20; ++i) longer.push_back(10 + i);
  longer.push_back(kEosId);
  auto t = prepare_ids(longer, 16, 100);
  REQUIRE_OK(t.status());
  CHECK(t->size() == 16);
  CHECK(t->back() == kEosId);
  CHECK((*t)[14] == 24);
  CHECK_CODE(prepare_ids({5, 100, 1}, 16, 100).status(), Code::InvalidArgument);
  CHECK_CODE(prepare_ids({-1, 1}, 16, 100).status(), Code::InvalidArgument);
}
