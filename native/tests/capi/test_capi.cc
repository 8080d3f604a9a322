// The C API end to end on a tiny random-weight model folder: generation with progress and
// previews, cancellation, errors, determinism, memory estimates, model info.
#include <cstring>
#include <filesystem>
#include <vector>

#include "../engine/tiny_model.h"
#include "harness.h"
#include "tessera.h"

using namespace tsr;

namespace {

struct Engine {
  tsr_engine* e = nullptr;
  Engine() {
    tsr_engine_options o{};
    o.struct_size = sizeof o;
    o.backend = TSR_BACKEND_CPU;
    tsr_error err{};
    if (tsr_engine_create(&o, &e, &err) != TSR_OK) test::fail(__FILE__, __LINE__, err.message);
  }
  ~Engine() { tsr_engine_destroy(e); }
};

struct Model {
  tsr_model* m = nullptr;
  Model(tsr_engine* e, const std::string& dir, bool keep = false) {
    tsr_model_options o{};
    o.struct_size = sizeof o;
    o.keep_text_encoder = keep;
    tsr_error err{};
    if (tsr_model_load(e, dir.c_str(), &o, &m, &err) != TSR_OK)
      test::fail(__FILE__, __LINE__, std::string(tsr_code_name(err.code)) + ": " + err.message);
  }
  ~Model() { tsr_model_destroy(m); }
};

std::string tiny_dir() {
  static std::string dir = [] {
    auto d = test::write_tiny_model();
    if (!d.ok()) test::fail(__FILE__, __LINE__, d.status().to_string());
    return d.ok() ? *d : std::string();
  }();
  return dir;
}

const int32_t kPrompt[] = {5, 17, 42, 1};
const int32_t kNegative[] = {7, 1};

tsr_generate_params small_params() {
  tsr_generate_params p{};
  p.struct_size = sizeof p;
  p.prompt_ids = kPrompt;
  p.prompt_len = 4;
  p.negative_ids = kNegative;
  p.negative_len = 2;
  p.width = 48;
  p.height = 32;
  p.frames = 5;
  p.steps = 3;
  p.guidance = 4.0f;
  p.shift = 3.0f;
  p.seed = 7;
  p.sampler = TSR_SAMPLER_UNIPC;
  return p;
}

struct Recorder {
  std::vector<tsr_progress> events;
  std::vector<std::vector<uint8_t>> previews;
  int cancel_after_denoise = -1;  // cancel once this many denoise events arrived
  bool cancel_on_decode = false;
  int polls = 0;
  static void on_progress(const tsr_progress* p, void* user) {
    auto* r = static_cast<Recorder*>(user);
    r->events.push_back(*p);
    if (p->preview_rgb)
      r->previews.emplace_back(p->preview_rgb,
                               p->preview_rgb + size_t(p->preview_frames) * p->preview_width * p->preview_height * 3);
    r->events.back().preview_rgb = nullptr;  // only valid during the callback
  }
  static int is_cancelled(void* user) {
    auto* r = static_cast<Recorder*>(user);
    ++r->polls;
    int denoise = 0, decode = 0;
    for (auto& e : r->events) {
      denoise += e.stage == TSR_STAGE_DENOISE;
      decode += e.stage == TSR_STAGE_DECODE;
    }
    if (r->cancel_after_denoise >= 0 && denoise >= r->cancel_after_denoise) return 1;
    return r->cancel_on_decode && decode > 0;
  }
  tsr_callbacks callbacks() { return {&Recorder::on_progress, &Recorder::is_cancelled, this}; }
  int count(tsr_stage s) const {
    int n = 0;
    for (auto& e : events) n += e.stage == s;
    return n;
  }
};

std::vector<uint8_t> run(tsr_model* m, const tsr_generate_params& p, tsr_code expect = TSR_OK) {
  tsr_video v{};
  tsr_error err{};
  tsr_code c = tsr_generate(m, &p, nullptr, &v, &err);
  if (c != expect) test::fail(__FILE__, __LINE__, std::string("generate: ") + tsr_code_name(c) + ": " + err.message);
  std::vector<uint8_t> out;
  if (c == TSR_OK) out.assign(v.rgb, v.rgb + size_t(v.frames) * v.width * v.height * 3);
  tsr_video_free(&v);
  return out;
}

}  // namespace

TSR_TEST(capi, engine_info_and_argument_checks) {
  tsr_error err{};
  CHECK(tsr_engine_create(nullptr, nullptr, &err) == TSR_E_INVALID_ARGUMENT);
  CHECK(err.code == TSR_E_INVALID_ARGUMENT);
  CHECK(std::strlen(err.message) > 0);
  tsr_engine_options o{};
  o.struct_size = 4;  // too small
  tsr_engine* e = nullptr;
  CHECK(tsr_engine_create(&o, &e, &err) == TSR_E_INVALID_ARGUMENT);
  CHECK(e == nullptr);
  o.struct_size = sizeof o;
  o.backend = static_cast<tsr_backend_kind>(9);
  CHECK(tsr_engine_create(&o, &e, &err) == TSR_E_INVALID_ARGUMENT);
  Engine eng;
  tsr_engine_info info{};
  REQUIRE(tsr_engine_get_info(eng.e, &info, &err) == TSR_OK);
  CHECK(std::strcmp(info.backend, "cpu") == 0);
  CHECK(info.num_threads >= 1);
  CHECK(info.total_memory > 0);
  CHECK(info.compute_capability == 0);
  CHECK(tsr_engine_get_info(nullptr, &info, &err) == TSR_E_INVALID_ARGUMENT);
  CHECK(tsr_engine_get_info(eng.e, nullptr, nullptr) == TSR_E_INVALID_ARGUMENT);  // err may be NULL
  CHECK(std::strcmp(tsr_code_name(TSR_E_CANCELLED), "CANCELLED") == 0);
  CHECK(std::strcmp(tsr_code_name(static_cast<tsr_code>(99)), "UNKNOWN") == 0);
}

TSR_TEST(capi, auto_backend_reports_why_it_fell_back) {
  tsr_engine_options o{};
  o.struct_size = sizeof o;
  o.backend = TSR_BACKEND_AUTO;
  tsr_engine* e = nullptr;
  tsr_error err{};
  REQUIRE(tsr_engine_create(&o, &e, &err) == TSR_OK);
  tsr_engine_info info{};
  REQUIRE(tsr_engine_get_info(e, &info, &err) == TSR_OK);
  if (std::strcmp(info.backend, "cpu") == 0) CHECK(std::strlen(info.fallback_reason) > 0);
  else CHECK(info.cuda_compiled == 1);
  tsr_engine_destroy(e);
}

TSR_TEST(capi, bad_model_folders) {
  Engine eng;
  tsr_model* m = nullptr;
  tsr_error err{};
  const std::string empty = test::temp_dir();
  CHECK(tsr_model_load(eng.e, empty.c_str(), nullptr, &m, &err) == TSR_E_NOT_FOUND);
  CHECK(m == nullptr);
  CHECK(tsr_model_load(eng.e, "/nonexistent/folder", nullptr, &m, &err) == TSR_E_NOT_FOUND);
  CHECK(tsr_model_load(eng.e, nullptr, nullptr, &m, &err) == TSR_E_INVALID_ARGUMENT);
  test::TinyModelOptions corrupt;
  corrupt.corrupt_dit = true;
  auto dir = test::write_tiny_model(corrupt);
  REQUIRE_OK(dir.status());
  CHECK(tsr_model_load(eng.e, dir->c_str(), nullptr, &m, &err) == TSR_E_CORRUPT_FILE);
  test::TinyModelOptions missing;
  missing.drop_dit_key = true;
  dir = test::write_tiny_model(missing);
  REQUIRE_OK(dir.status());
  CHECK(tsr_model_load(eng.e, dir->c_str(), nullptr, &m, &err) == TSR_E_MISSING_KEY);
  CHECK(m == nullptr);
}

TSR_TEST(capi, model_info) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_model_info info{};
  tsr_error err{};
  REQUIRE(tsr_model_get_info(model.m, &info, &err) == TSR_OK);
  CHECK(std::strcmp(info.layout, "official") == 0);
  CHECK(info.dim == 128 && info.num_heads == 4 && info.head_dim == 32 && info.num_layers == 2);
  CHECK(info.text_len == 16 && info.text_dim == 64);
  CHECK(info.t5_dim == 64 && info.t5_layers == 2 && info.t5_vocab == 300);
  CHECK(info.vae_z_dim == 16 && info.vae_base_dim == 8);
  CHECK(info.vae_stride[0] == 4 && info.vae_stride[1] == 8 && info.vae_stride[2] == 8);
  CHECK(info.dit_params > 0 && info.t5_params > 0 && info.vae_params > 0);
  CHECK(std::strcmp(info.weight_dtype, "f32") == 0);
}

TSR_TEST(capi, generate_with_progress_and_previews) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_generate_params p = small_params();
  p.preview = 1;
  Recorder rec;
  tsr_callbacks cb = rec.callbacks();
  tsr_video v{};
  tsr_error err{};
  REQUIRE(tsr_generate(model.m, &p, &cb, &v, &err) == TSR_OK);
  CHECK(v.frames == 5 && v.width == 48 && v.height == 32 && v.fps == 16);
  CHECK(v.rgb != nullptr);
  CHECK(v.seconds_denoise > 0);
  // Every denoise step reports, in order, with a preview of all latent frames.
  REQUIRE(rec.count(TSR_STAGE_DENOISE) == 3);
  int step = 0;
  for (auto& e : rec.events) {
    if (e.stage != TSR_STAGE_DENOISE) continue;
    CHECK(e.step == ++step);
    CHECK(e.total == 3);
    CHECK(e.preview_frames == 2 && e.preview_width == 48 && e.preview_height == 32);
    CHECK(e.seconds_per_step > 0);
  }
  CHECK(rec.previews.size() == 3);
  CHECK(rec.count(TSR_STAGE_ENCODE_TEXT) >= 1);
  CHECK(rec.count(TSR_STAGE_DECODE) == 2);  // one per latent frame
  // The video is not constant (the model is random, not dead).
  std::vector<uint8_t> rgb(v.rgb, v.rgb + 5 * 48 * 32 * 3);
  int distinct = 0;
  for (size_t i = 1; i < rgb.size(); ++i) distinct += rgb[i] != rgb[0];
  CHECK(distinct > 100);
  tsr_video_free(&v);
  CHECK(v.rgb == nullptr);
}

TSR_TEST(capi, same_seed_same_video) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_generate_params p = small_params();
  auto a = run(model.m, p), b = run(model.m, p);
  CHECK(!a.empty());
  CHECK(a == b);
  p.seed = 8;
  CHECK(run(model.m, p) != a);
  // Keeping the text encoder resident changes nothing but memory.
  Model kept(eng.e, tiny_dir(), true);
  CHECK(run(kept.m, small_params()) == a);
}

TSR_TEST(capi, samplers_and_guidance_variants) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_generate_params p = small_params();
  auto unipc = run(model.m, p);
  p.sampler = TSR_SAMPLER_EULER;
  auto euler = run(model.m, p);
  CHECK(!euler.empty() && euler != unipc);
  p.sampler = TSR_SAMPLER_FEWSTEP;
  const int32_t ts[] = {1000, 757, 522};
  p.timesteps = ts;
  p.num_timesteps = 3;
  p.guidance = 1.0f;
  p.negative_ids = nullptr;
  p.negative_len = 0;
  auto few = run(model.m, p);
  CHECK(!few.empty());
  CHECK(run(model.m, p) == few);
  p.num_timesteps = 0;
  p.timesteps = nullptr;
  run(model.m, p, TSR_E_INVALID_ARGUMENT);  // no list, and the model has no default list
  // Guidance > 1 without negative ids uses the empty prompt.
  p = small_params();
  p.negative_ids = nullptr;
  p.negative_len = 0;
  CHECK(!run(model.m, p).empty());
}

TSR_TEST(capi, covering_sta_rule_equals_dense) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_generate_params p = small_params();
  auto dense = run(model.m, p);
  tsr_attn_rule r{};
  r.step_end = -1;
  r.layer_end = -1;
  r.head = -1;
  r.pattern = TSR_ATTN_STA;
  r.window[0] = r.window[1] = r.window[2] = 9;  // covers the grid: every key kept
  p.attn.rules = &r;
  p.attn.num_rules = 1;
  p.attn.tile[0] = 1;
  p.attn.tile[1] = p.attn.tile[2] = 1;
  auto sta = run(model.m, p);
  REQUIRE(sta.size() == dense.size());
  int off = 0;
  for (size_t i = 0; i < sta.size(); ++i) off += std::abs(int(sta[i]) - int(dense[i])) > 1;
  CHECK(off == 0);
  // A small window changes the result.
  r.window[0] = r.window[1] = r.window[2] = 1;
  CHECK(run(model.m, p) != dense);
  r.head = 9;  // the model has 4 heads
  run(model.m, p, TSR_E_INVALID_ARGUMENT);
}

TSR_TEST(capi, cancellation_is_prompt) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_generate_params p = small_params();
  p.steps = 10;
  Recorder rec;
  rec.cancel_after_denoise = 1;
  tsr_callbacks cb = rec.callbacks();
  tsr_video v{};
  tsr_error err{};
  CHECK(tsr_generate(model.m, &p, &cb, &v, &err) == TSR_E_CANCELLED);
  CHECK(err.code == TSR_E_CANCELLED);
  CHECK(rec.count(TSR_STAGE_DENOISE) == 1);  // stopped right after the step that asked
  CHECK(rec.count(TSR_STAGE_DECODE) == 0);
  CHECK(v.rgb == nullptr);
  // Cancel during decoding: the VAE stops between chunks.
  Recorder dec;
  dec.cancel_on_decode = true;
  tsr_callbacks cb2 = dec.callbacks();
  p.steps = 2;
  CHECK(tsr_generate(model.m, &p, &cb2, &v, &err) == TSR_E_CANCELLED);
  CHECK(dec.count(TSR_STAGE_DECODE) == 1);
  // The model still works afterwards.
  CHECK(!run(model.m, small_params()).empty());
}

TSR_TEST(capi, invalid_sizes_and_memory_estimate) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_error err{};
  tsr_generate_params p = small_params();
  tsr_memory_estimate est{};
  REQUIRE(tsr_estimate_memory(model.m, &p, &est, &err) == TSR_OK);
  CHECK(est.fits == 1);
  CHECK(est.peak_bytes > est.activations_bytes);
  CHECK(est.weights_bytes > 0 && est.available_bytes > 0);
  for (auto [w, h, f] : {std::tuple{48, 32, 6}, {40, 32, 5}, {48, 0, 5}, {48, 32, 0}, {-16, 32, 5}}) {
    p = small_params();
    p.width = w, p.height = h, p.frames = f;
    CHECK(tsr_estimate_memory(model.m, &p, &est, &err) == TSR_E_INVALID_SIZE);
    run(model.m, p, TSR_E_INVALID_SIZE);
  }
  p = small_params();
  p.width = 16 * 1100;
  CHECK(tsr_estimate_memory(model.m, &p, &est, &err) == TSR_E_INVALID_SIZE);
  // Fits the grid but not the machine: OUT_OF_MEMORY before any work.
  p = small_params();
  p.width = p.height = 16 * 1024;
  p.frames = 4 * 1000 + 1;
  REQUIRE(tsr_estimate_memory(model.m, &p, &est, &err) == TSR_OK);
  CHECK(est.fits == 0);
  run(model.m, p, TSR_E_OUT_OF_MEMORY);
  // Other argument errors.
  p = small_params();
  p.steps = 0;
  run(model.m, p, TSR_E_INVALID_ARGUMENT);
  p = small_params();
  p.prompt_ids = nullptr;
  run(model.m, p, TSR_E_INVALID_ARGUMENT);
  p = small_params();
  p.struct_size = 8;
  run(model.m, p, TSR_E_INVALID_ARGUMENT);
  p = small_params();
  const int32_t bad_ids[] = {5, 100000, 1};
  p.prompt_ids = bad_ids;
  p.prompt_len = 3;
  run(model.m, p, TSR_E_INVALID_ARGUMENT);
}

TSR_TEST(capi, attention_map_and_calibration) {
  Engine eng;
  Model model(eng.e, tiny_dir());
  REQUIRE(model.m);
  tsr_generate_params p = small_params();
  p.attn.tile[0] = p.attn.tile[1] = p.attn.tile[2] = 1;
  tsr_attn_map_request mr{};
  mr.struct_size = sizeof mr;
  mr.step = 2;
  mr.layer = 0;
  mr.head = 1;
  mr.query_token = -1;
  mr.query_tile = 3;
  mr.cond = 1;
  Recorder rec;
  tsr_callbacks cb = rec.callbacks();
  tsr_attn_map map{};
  tsr_error err{};
  REQUIRE(tsr_attention_map(model.m, &p, &mr, &cb, &map, &err) == TSR_OK);
  CHECK(map.grid[0] == 2 && map.grid[1] == 2 && map.grid[2] == 3);
  CHECK(map.num_tiles == 12);
  double sum = 0;
  for (int i = 0; i < 12; ++i) sum += map.probs[i];
  CHECK_NEAR(sum, 1.0, 1e-5);
  CHECK(map.kept[0] == 1 && map.kept[143] == 1);
  CHECK(rec.count(TSR_STAGE_DENOISE) == 2);  // steps before the captured one report progress
  tsr_attn_map_free(&map);
  CHECK(map.probs == nullptr);
  mr.struct_size = 0;
  CHECK(tsr_attention_map(model.m, &p, &mr, nullptr, &map, &err) == TSR_E_INVALID_ARGUMENT);
  mr.struct_size = sizeof mr;
  mr.head = 4;
  CHECK(tsr_attention_map(model.m, &p, &mr, nullptr, &map, &err) == TSR_E_INVALID_ARGUMENT);

  const int candidates[] = {1, 1, 1, 1, 1, 2, 9, 9, 9};  // (1,1,2) reaches 1 tile in w
  tsr_calibration_request cr{};
  cr.struct_size = sizeof cr;
  cr.candidates = candidates;
  cr.num_candidates = 3;
  cr.dense_steps = 1;
  cr.max_error = 0;
  tsr_calibration cal{};
  REQUIRE(tsr_calibrate(model.m, &p, &cr, nullptr, &cal, &err) == TSR_OK);
  CHECK(cal.steps == 2 && cal.layers == 2 && cal.heads == 4 && cal.num_candidates == 3);
  for (int i = 0; i < 8; ++i) {
    CHECK(cal.errors[i * 3 + 2] == 0.0f);
    CHECK(cal.windows[i * 3] == 9);
  }
  tsr_calibration_free(&cal);
  CHECK(cal.errors == nullptr && cal.windows == nullptr);
  cr.num_candidates = 0;
  CHECK(tsr_calibrate(model.m, &p, &cr, nullptr, &cal, &err) == TSR_E_INVALID_ARGUMENT);
  // Cancellation reaches the tools too.
  cr.num_candidates = 3;
  Recorder stop;
  stop.cancel_after_denoise = 1;
  tsr_callbacks cb2 = stop.callbacks();
  CHECK(tsr_calibrate(model.m, &p, &cr, &cb2, &cal, &err) == TSR_E_CANCELLED);
}

TSR_TEST(capi, second_engine_keeps_the_shared_thread_pool) {
  Engine first;
  tsr_engine_info a{}, b{};
  tsr_error err{};
  REQUIRE(tsr_engine_get_info(first.e, &a, &err) == TSR_OK);
  tsr_engine_options o{};
  o.struct_size = sizeof o;
  o.backend = TSR_BACKEND_CPU;
  o.num_threads = a.num_threads + 3;  // would resize the pool under the first engine
  tsr_engine* second = nullptr;
  REQUIRE(tsr_engine_create(&o, &second, &err) == TSR_OK);
  REQUIRE(tsr_engine_get_info(second, &b, &err) == TSR_OK);
  CHECK(b.num_threads == a.num_threads);
  Model model(first.e, tiny_dir());
  CHECK(!run(model.m, small_params()).empty());
  tsr_engine_destroy(second);
  o.num_threads = -2;
  CHECK(tsr_engine_create(&o, &second, &err) == TSR_E_INVALID_ARGUMENT);
}
