// The engine's pipeline against independent re-computations on the tiny model: a hand-written
// generation loop, attention maps from captured q/k, calibration errors from captured q/k/v.
#include <cmath>
#include <cstring>

#include "attention/cpu_attention.h"
#include "core/threadpool.h"
#include "engine/attention_tools.h"
#include "engine/generate.h"
#include "engine/rgb_convert.h"
#include "engine/text_encode.h"
#include "harness.h"
#include "sampling/noise.h"
#include "tiny_model.h"

using namespace tsr;

namespace {

struct Loaded {
  std::unique_ptr<Backend> be = make_cpu_backend();
  std::unique_ptr<ModelBundle> m;
  explicit Loaded(bool keep = false) {
    auto dir = test::write_tiny_model();
    REQUIRE_OK(dir.status());
    BundleOptions o;
    o.keep_text_encoder = keep;
    auto b = ModelBundle::load(*be, *dir, o);
    REQUIRE_OK(b.status());
    m = std::move(*b);
  }
};

GenerateRequest small_request() {
  GenerateRequest r = test::tiny_request();
  r.frames = 5;
  r.steps = 3;
  r.shift = 3.0f;
  r.seed = 11;
  return r;
}

// Captures q, k, v (host) of every layer at the steps it is handed.
struct Recorder final : SelfAttentionObserver {
  std::vector<std::vector<Tensor>> q, k, v;  // [layer][call]
  AttnSpec spec;
  explicit Recorder(int layers) : q(layers), k(layers), v(layers) {}
  void on_self_attention(Backend& be, int layer, const Tensor& qq, const Tensor& kk, const Tensor& vv,
                         const AttnSpec& s, const Tensor&) override {
    q[layer].push_back(be.to_host(qq));
    k[layer].push_back(be.to_host(kk));
    v[layer].push_back(be.to_host(vv));
    spec = s;
    spec.per_head.clear();
  }
};

}  // namespace

TSR_TEST(pipeline, generate_equals_a_hand_written_loop) {
  Loaded L;
  ModelBundle& m = *L.m;
  GenerateRequest req = small_request();
  RunObserver quiet;
  auto video = generate(m, req, quiet);
  REQUIRE_OK(video.status());

  // The same generation from the components, following spec/wan21.md §1.
  auto t5 = m.text_encoder();
  REQUIRE_OK(t5.status());
  const int text_len = m.dit_config().text_len;
  auto ctx_pos = encode_text(**t5, req.prompt_ids, text_len);
  auto ctx_neg = encode_text(**t5, req.negative_ids, text_len);
  REQUIRE_OK(ctx_pos.status());
  REQUIRE_OK(ctx_neg.status());
  CHECK(ctx_pos->dim(0) == 4 && ctx_neg->dim(0) == 2);
  auto cond = m.dit().prepare_text(*ctx_pos);
  auto uncond = m.dit().prepare_text(*ctx_neg);
  REQUIRE_OK(cond.status());
  REQUIRE_OK(uncond.status());
  auto x = seeded_noise({16, 2, 4, 6}, req.seed, 0);
  REQUIRE_OK(x.status());
  SamplerOptions so;
  so.steps = 3;
  so.shift = 3.0;
  auto sampler = make_sampler(so);
  REQUIRE_OK(sampler.status());
  for (int i = 0; i < 3; ++i) {
    auto vc = m.dit().forward(*x, (*sampler)->timestep(i), *cond);
    auto vu = m.dit().forward(*x, (*sampler)->timestep(i), *uncond);
    REQUIRE_OK(vc.status());
    REQUIRE_OK(vu.status());
    Tensor v = host_empty(DType::F32, vc->shape());
    for (int64_t j = 0; j < v.numel(); ++j) {
      float c = vc->data_as<float>()[j], u = vu->data_as<float>()[j];
      v.data_as<float>()[j] = u + 4.0f * (c - u);
    }
    REQUIRE_OK((*sampler)->step(i, v, *x));
  }
  auto pixels = m.vae().decode(*x, m.latent_mean(), m.latent_std());
  REQUIRE_OK(pixels.status());
  auto rgb = video_to_rgb(*pixels);
  REQUIRE_OK(rgb.status());
  CHECK(rgb->frames == 5 && rgb->width == 48 && rgb->height == 32);
  CHECK(rgb->rgb == video->frames.rgb);
  // Swapping the prompts changes the video (guidance really uses both passes).
  std::swap(req.prompt_ids, req.negative_ids);
  auto swapped = generate(m, req, quiet);
  REQUIRE_OK(swapped.status());
  CHECK(swapped->frames.rgb != video->frames.rgb);
}

TSR_TEST(pipeline, preview_projection_explains_the_vae) {
  Loaded L;
  const PreviewProjection& p = L.m->preview();
  CHECK(p.z_dim == 16);
  CHECK(p.weight.size() == 48);
  for (float w : p.weight) CHECK(std::isfinite(w));
  // A random tiny VAE is far from linear; the fit must still beat the constant predictor.
  std::printf("    preview fit R^2 = %.3f\n", p.r2);
  CHECK(p.r2 > 0.05);
}

TSR_TEST(pipeline, text_encoder_is_freed_unless_kept) {
  Loaded freed(false), kept(true);
  CHECK(!freed.m->text_encoder_loaded());
  CHECK(kept.m->text_encoder_loaded());
  RunObserver quiet;
  const uint64_t before = freed.be->memory().in_use;
  auto a = generate(*freed.m, small_request(), quiet);
  REQUIRE_OK(a.status());
  CHECK(!freed.m->text_encoder_loaded());
  CHECK(freed.be->memory().in_use <= before);
  auto b = generate(*kept.m, small_request(), quiet);
  REQUIRE_OK(b.status());
  CHECK(kept.m->text_encoder_loaded());
  CHECK(a->frames.rgb == b->frames.rgb);
}

TSR_TEST(pipeline, attention_map_matches_captured_attention) {
  Loaded L;
  ModelBundle& m = *L.m;
  GenerateRequest req = small_request();
  req.attn.tile[0] = 1;
  req.attn.tile[1] = 1;
  req.attn.tile[2] = 2;  // grid (2, 2, 3): tiles (2, 2, 2) with partial edge tiles
  AttnMapRequest mr;
  mr.step = 1;
  mr.layer = 1;
  mr.head = 2;
  mr.query_token = 5;
  RunObserver quiet;
  auto map = attention_map(m, req, mr, quiet);
  REQUIRE_OK(map.status());
  CHECK(map->grid[0] == 2 && map->grid[1] == 2 && map->grid[2] == 3);
  CHECK(map->tiles[2] == 2 && map->num_tiles == 8);
  REQUIRE(map->probs.size() == 12);

  // Capture the same layer at the same step with a hand-driven loop and redo the softmax.
  auto run = prepare_run(m, req, quiet);
  REQUIRE_OK(run.status());
  Recorder rec(m.dit_config().num_layers);
  LoopHooks hooks;
  hooks.last_step = 1;
  hooks.progress = false;
  hooks.observer = [&](int step, bool cond) -> SelfAttentionObserver* { return step == 1 && cond ? &rec : nullptr; };
  REQUIRE_OK(run_denoise(m, *run, quiet, hooks).status());
  REQUIRE(rec.q[1].size() == 1);
  const Tensor& q = rec.q[1][0];
  const Tensor& k = rec.k[1][0];
  const int H = m.dit_config().num_heads, D = m.dit_config().head_dim();
  std::vector<double> logits(12);
  double mx = -1e300, sum = 0;
  for (int j = 0; j < 12; ++j) {
    double s = 0;
    for (int d = 0; d < D; ++d)
      s += double(q.data_as<float>()[(5 * H + 2) * D + d]) * k.data_as<float>()[(j * H + 2) * D + d];
    logits[j] = s / std::sqrt(double(D));
    mx = std::max(mx, logits[j]);
  }
  for (double& l : logits) sum += (l = std::exp(l - mx));
  double psum = 0;
  for (int j = 0; j < 12; ++j) {
    CHECK_NEAR(map->probs[j], logits[j] / sum, 1e-6);
    psum += map->probs[j];
  }
  CHECK_NEAR(psum, 1.0, 1e-5);
  for (int a = 0; a < 8; ++a) {
    double row = 0;
    for (int b = 0; b < 8; ++b) row += map->tile_mass[a * 8 + b];
    CHECK_NEAR(row, 1.0, 1e-5);
  }
  for (uint8_t kept : map->kept) CHECK(kept == 1);  // dense: every block

  // A different step gives a different map; an STA rule on that head shows in `kept`.
  mr.step = 0;
  auto map0 = attention_map(m, req, mr, quiet);
  REQUIRE_OK(map0.status());
  CHECK(map0->probs != map->probs);
  AttnRule r;
  r.head = 2;
  r.pattern.kind = AttnPattern::Sta;
  r.pattern.window[0] = r.pattern.window[1] = r.pattern.window[2] = 1;
  req.attn.rules.push_back(r);
  auto sparse = attention_map(m, req, mr, quiet);
  REQUIRE_OK(sparse.status());
  int kept = 0;
  for (uint8_t x : sparse->kept) kept += x;
  CHECK(kept == 8);  // window 1 tile per axis: one key tile per query tile
  // A query tile instead of a token: the mean over its tokens.
  mr.query_token = -1;
  mr.query_tile = 1;
  CHECK_OK(attention_map(m, req, mr, quiet).status());
  // Bad requests.
  mr.query_tile = 8;
  CHECK_CODE(attention_map(m, req, mr, quiet).status(), Code::InvalidArgument);
  mr.query_tile = 0;
  mr.step = 3;
  CHECK_CODE(attention_map(m, req, mr, quiet).status(), Code::InvalidArgument);
  mr.step = 0;
  mr.layer = 2;
  CHECK_CODE(attention_map(m, req, mr, quiet).status(), Code::InvalidArgument);
  mr.layer = 0;
  mr.cond = false;
  CHECK_OK(attention_map(m, req, mr, quiet).status());
  req.guidance = 1.0f;
  CHECK_CODE(attention_map(m, req, mr, quiet).status(), Code::InvalidArgument);
}

TSR_TEST(pipeline, calibration_errors_match_captured_attention) {
  Loaded L;
  ModelBundle& m = *L.m;
  GenerateRequest req = small_request();
  req.steps = 4;
  req.attn.tile[0] = req.attn.tile[1] = req.attn.tile[2] = 1;
  CalibrationRequest cal;
  cal.candidates = {{1, 1, 1}, {1, 3, 3}, {9, 9, 9}};
  cal.dense_steps = 2;
  cal.max_error = 0;  // argmin
  RunObserver quiet;
  auto r = calibrate(m, req, cal, quiet);
  REQUIRE_OK(r.status());
  const int Lyr = m.dit_config().num_layers, H = m.dit_config().num_heads;
  CHECK(r->steps == 2 && r->layers == Lyr && r->heads == H && r->num_candidates == 3);
  REQUIRE(int(r->errors.size()) == Lyr * H * 3);
  REQUIRE(int(r->windows.size()) == Lyr * H * 3);
  for (int i = 0; i < Lyr * H; ++i) {
    CHECK(r->errors[i * 3 + 2] == 0.0f);  // the covering window is dense
    CHECK(r->errors[i * 3 + 0] > 0.0f);
    CHECK(r->errors[i * 3 + 0] >= r->errors[i * 3 + 1]);  // a larger window errs less here
    CHECK(r->windows[i * 3] == 9);  // argmin: the exact window
  }
  CHECK(r->sparsity == 0.0f);

  // Recompute layer 0's errors from captured q, k, v at the measured steps (2 and 3).
  auto run = prepare_run(m, req, quiet);
  REQUIRE_OK(run.status());
  Recorder rec(Lyr);
  LoopHooks hooks;
  hooks.dense = true;
  hooks.progress = false;
  hooks.observer = [&](int step, bool cond) -> SelfAttentionObserver* { return cond && step >= 2 ? &rec : nullptr; };
  REQUIRE_OK(run_denoise(m, *run, quiet, hooks).status());
  REQUIRE(rec.q[0].size() == 2);
  const int D = m.dit_config().head_dim();
  for (int h = 0; h < H; ++h) {
    double mean_err = 0;
    for (int call = 0; call < 2; ++call) {
      AttnSpec dense = rec.spec, sta = rec.spec;
      HeadPattern p;
      p.kind = AttnPattern::Sta;
      p.window[0] = p.window[1] = p.window[2] = 1;
      sta.per_head.assign(H, p);
      const Tensor& q = rec.q[0][call];
      Tensor od = host_empty(DType::F32, q.shape()), os = host_empty(DType::F32, q.shape());
      REQUIRE_OK(cpu_attention(q, rec.k[0][call], rec.v[0][call], od, dense, default_pool()));
      REQUIRE_OK(cpu_attention(q, rec.k[0][call], rec.v[0][call], os, sta, default_pool()));
      double num = 0, den = 0;
      for (int64_t n = 0; n < q.dim(0); ++n)
        for (int d = 0; d < D; ++d) {
          double a = os.data_as<float>()[(n * H + h) * D + d], b = od.data_as<float>()[(n * H + h) * D + d];
          num += (a - b) * (a - b);
          den += b * b;
        }
      mean_err += std::sqrt(num / den) / 2;
    }
    CHECK_NEAR(r->errors[h * 3 + 0], mean_err, 1e-5 * mean_err + 1e-7);
  }

  // A generous budget picks the cheapest window everywhere.
  cal.max_error = 1e6f;
  auto cheap = calibrate(m, req, cal, quiet);
  REQUIRE_OK(cheap.status());
  for (int i = 0; i < Lyr * H; ++i) CHECK(cheap->windows[i * 3] == 1 && cheap->windows[i * 3 + 2] == 1);
  CHECK(cheap->sparsity > 0.5f);
  // Bad requests.
  cal.dense_steps = 4;
  CHECK_CODE(calibrate(m, req, cal, quiet).status(), Code::InvalidArgument);
  cal.dense_steps = 0;
  cal.candidates = {{0, 1, 1}};
  CHECK_CODE(calibrate(m, req, cal, quiet).status(), Code::InvalidArgument);
  cal.candidates.clear();
  CHECK_CODE(calibrate(m, req, cal, quiet).status(), Code::InvalidArgument);
}
