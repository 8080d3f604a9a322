// Where the model's parts live during a generation: bundles built from in-memory stores, the
// DiT released for decoding (DitResidency) and loaded again, the memory plan that decides it,
// and the stage meter the pipeline benchmark reads (bench_cuda_pipeline.cc runs the same code
// at 81x480x832 on the GPU).
#include <chrono>

#include "engine/generate.h"
#include "engine/stage_meter.h"
#include "harness.h"
#include "io/model_folder.h"
#include "tiny_model.h"

using namespace tsr;

namespace {

GenerateRequest small_request() {
  GenerateRequest r = test::tiny_request();
  r.frames = 9;
  r.steps = 2;
  r.seed = 3;
  return r;
}

std::unique_ptr<ModelBundle> load_folder(Backend& be, const std::string& dir, DitResidency residency) {
  BundleOptions o;
  o.dit_residency = residency;
  auto m = ModelBundle::load(be, dir, o);
  REQUIRE_OK(m.status());
  return std::move(*m);
}

// The folder's parts as a BundleSource of stores that are already open.
BundleSource source_of(const std::string& dir) {
  auto f = find_model_folder(dir);
  REQUIRE_OK(f.status());
  BundleSource s;
  auto dit = DitConfig::from_json(f->dit.config);
  auto vae = VaeConfig::from_json(f->vae.config.empty() ? "{}" : f->vae.config);
  auto t5 = T5Config::from_json(f->t5.config.empty() ? "{}" : f->t5.config);
  REQUIRE_OK(dit.status());
  REQUIRE_OK(vae.status());
  REQUIRE_OK(t5.status());
  s.dit = *dit, s.vae = *vae, s.t5 = *t5;
  s.tessera_json = f->tessera_json;
  auto dw = open_dit_weights(*f);
  auto vw = open_vae_weights(*f);
  auto tw = open_t5_weights(*f);
  REQUIRE_OK(dw.status());
  REQUIRE_OK(vw.status());
  REQUIRE_OK(tw.status());
  s.dit_weights = fixed_store(*dw);
  s.vae_weights = fixed_store(*vw);
  s.t5_weights = fixed_store(*tw);
  return s;
}

// Backend bytes in use whenever a decode event arrives (latent chunks being decoded).
struct DecodeMemory final : RunObserver {
  Backend& be;
  uint64_t max_in_use = 0;
  int events = 0;
  explicit DecodeMemory(Backend& b) : be(b) {}
  void on_progress(const ProgressEvent& e) override {
    if (e.stage != Stage::Decode) return;
    max_in_use = std::max(max_in_use, be.memory().in_use);
    ++events;
  }
};

// Wan2.1 1.3B + umT5-XXL + Wan-VAE as the estimate sees them, on a CUDA-like backend.
MemoryInputs wan_1_3b() {
  MemoryInputs in;
  in.dit_params = 1'418'996'800ull;  // the 1.3B config's tensors (bench/random_model.cc)
  in.t5_params = 5'680'000'000ull;
  in.vae_params = 127'000'000ull;
  in.weight_bytes = 2;
  in.activation_bytes = 2;
  return in;
}

MemoryStats card(uint64_t total, uint64_t context, uint64_t in_use, uint64_t cached = 0) {
  MemoryStats m;
  m.total = total;
  m.in_use = in_use;
  m.cached = cached;
  m.free = total - context - in_use - cached;
  return m;
}

constexpr uint64_t kGiB = 1ull << 30;

}  // namespace

TSR_TEST(bundle_source, in_memory_stores_give_the_folders_video) {
  auto dir = test::write_tiny_model();
  REQUIRE_OK(dir.status());
  auto be = make_cpu_backend();
  auto from_folder = load_folder(*be, *dir, DitResidency::Kept);
  BundleOptions o;
  o.dit_residency = DitResidency::Kept;
  auto from_stores = ModelBundle::load(*be, source_of(*dir), o);
  REQUIRE_OK(from_stores.status());
  CHECK((*from_stores)->folder().dir.empty());
  CHECK((*from_stores)->dit_params() == from_folder->dit_params());
  // The CPU backend uses float32 weights in place: the estimate counts params x 4, not bytes.
  CHECK(from_folder->memory_inputs().dit_weight_bytes == 0 && from_folder->memory_inputs().vae_weight_bytes == 0);
  CHECK((*from_stores)->t5_params() == from_folder->t5_params());
  CHECK((*from_stores)->app().name == from_folder->app().name && !from_folder->app().name.empty());
  RunObserver quiet;
  auto a = generate(*from_folder, small_request(), quiet);
  auto b = generate(**from_stores, small_request(), quiet);
  REQUIRE_OK(a.status());
  REQUIRE_OK(b.status());
  CHECK(a->frames.rgb.size() == size_t(9) * 32 * 48 * 3);
  CHECK(a->frames.rgb == b->frames.rgb);
  // The text encoder came from the source's store and was freed after encoding.
  CHECK(!(*from_stores)->text_encoder_loaded());
}

TSR_TEST(bundle_source, rejects_missing_parts_and_mismatched_configs) {
  auto dir = test::write_tiny_model();
  REQUIRE_OK(dir.status());
  auto be = make_cpu_backend();
  BundleSource s = source_of(*dir);
  s.t5_weights = nullptr;
  CHECK_CODE(ModelBundle::load(*be, s, BundleOptions{}).status(), Code::InvalidArgument);
  s = source_of(*dir);
  s.t5.dim += 2;  // no longer the DiT's text_dim
  s.t5.dim_attn += 2;
  CHECK_CODE(ModelBundle::load(*be, s, BundleOptions{}).status(), Code::ShapeMismatch);
  s = source_of(*dir);
  s.dit_weights = [] () -> StatusOr<std::shared_ptr<WeightStore>> { return Error(Code::NotFound, "gone"); };
  CHECK_CODE(ModelBundle::load(*be, s, BundleOptions{}).status(), Code::NotFound);
}

TSR_TEST(dit_residency, released_for_decode_same_video_less_memory_and_reloads) {
  auto dir = test::write_tiny_model();
  REQUIRE_OK(dir.status());
  auto be_kept = make_cpu_backend();
  auto be_rel = make_cpu_backend();
  auto kept = load_folder(*be_kept, *dir, DitResidency::Kept);
  auto rel = load_folder(*be_rel, *dir, DitResidency::ReleasedForDecode);

  // What the DiT holds on the backend: the bytes release_dit() gives back.
  const uint64_t before = be_rel->memory().in_use;
  rel->release_dit();
  CHECK(!rel->dit_loaded());
  const uint64_t dit_bytes = before - be_rel->memory().in_use;
  // Packed float32 matrices, most of the DiT (the CPU backend uses other weights in place).
  CHECK(dit_bytes >= rel->dit_params() * 4 / 2);
  REQUIRE_OK(rel->load_dit());
  CHECK(rel->dit_loaded());
  CHECK(be_rel->memory().in_use == before);
  CHECK_OK(rel->load_dit());  // a no-op when loaded
  CHECK(be_rel->memory().in_use == before);

  DecodeMemory mk(*be_kept), mr(*be_rel);
  auto vk = generate(*kept, small_request(), mk);
  auto vr = generate(*rel, small_request(), mr);
  REQUIRE_OK(vk.status());
  REQUIRE_OK(vr.status());
  CHECK(vk->frames.rgb == vr->frames.rgb);
  CHECK(kept->dit_loaded());
  CHECK(!rel->dit_loaded());
  REQUIRE(mk.events == 3 && mr.events == 3);  // 9 frames = 3 latent chunks
  // Decoding ran without the DiT's weights on the backend.
  CHECK(mk.max_in_use >= mr.max_in_use + dit_bytes);

  // The next generation loads the DiT again and gives the same video; tools that run only the
  // denoising loop (prepare_run) load it too.
  auto again = generate(*rel, small_request(), mr);
  REQUIRE_OK(again.status());
  CHECK(again->frames.rgb == vk->frames.rgb);
  CHECK(!rel->dit_loaded());
  RunObserver quiet;
  auto run = prepare_run(*rel, small_request(), quiet);
  REQUIRE_OK(run.status());
  CHECK(rel->dit_loaded());
}

TSR_TEST(dit_residency, auto_keeps_the_dit_where_memory_allows) {
  auto dir = test::write_tiny_model();
  REQUIRE_OK(dir.status());
  auto be = make_cpu_backend();
  auto m = load_folder(*be, *dir, DitResidency::Auto);
  RunObserver quiet;
  auto v = generate(*m, small_request(), quiet);
  REQUIRE_OK(v.status());
  CHECK(m->dit_loaded());  // a tiny model in host RAM fits with the DiT kept
}

TSR_TEST(memory_plan, auto_releases_the_dit_on_an_8gib_card_only) {
  DitConfig dit;
  VaeConfig vae;
  auto g = latent_geometry(dit, vae, 832, 480, 81);
  REQUIRE_OK(g.status());
  MemoryInputs in = wan_1_3b();
  const uint64_t dit_w = in.dit_params * 2, vae_w = in.vae_params * 4;
  const uint64_t resident = dit_w + vae_w;
  const uint64_t context = kGiB / 2;

  MemoryEstimate kept = estimate_memory(in, *g, 81, true);
  MemoryInputs rin = in;
  rin.release_dit_for_decode = true;
  MemoryEstimate released = estimate_memory(rin, *g, 81, true);
  // Released: the larger of the stages before decoding with everything resident and the decode
  // without the DiT; kept: everything resident plus the largest stage.
  const uint64_t before = std::max(released.denoise_bytes, released.text_bytes);
  CHECK(released.peak_bytes == std::max(resident + before, vae_w + released.decode_bytes));
  CHECK(kept.peak_bytes == resident + std::max(before, kept.decode_bytes));
  // At 480p the decode stage is the largest: releasing the DiT lowers the peak by up to its size.
  CHECK(kept.decode_bytes > kept.denoise_bytes);
  CHECK(released.peak_bytes < kept.peak_bytes);
  CHECK(kept.peak_bytes - released.peak_bytes <= dit_w);
  // The estimate covers what the CUDA backend measured (NOTES-cuda.md): a DiT forward 3.34 GiB
  // of activations beside the weights (run 14), the VAE decode 5.06 GiB beside a kept DiT
  // (bench cuda_pipeline).
  CHECK(kept.denoise_bytes >= uint64_t(3.34 * kGiB));
  CHECK(kept.decode_bytes >= uint64_t(5.06 * kGiB));

  // An 80 GB card keeps the DiT; an 8 GiB card releases it and fits; keeping it would not fit.
  MemoryCheck big = plan_memory(in, DitResidency::Auto, *g, 81, true, card(80 * kGiB, context, resident));
  CHECK(big.fits && !big.release_dit);
  CHECK(big.estimate.peak_bytes == kept.peak_bytes);
  MemoryCheck small = plan_memory(in, DitResidency::Auto, *g, 81, true, card(8 * kGiB, context, resident));
  CHECK(small.fits && small.release_dit);
  CHECK(small.estimate.peak_bytes == released.peak_bytes);
  CHECK(small.available == 8 * kGiB - context);
  MemoryCheck small_kept = plan_memory(in, DitResidency::Kept, *g, 81, true, card(8 * kGiB, context, resident));
  CHECK(!small_kept.fits && !small_kept.release_dit);
  // ReleasedForDecode releases even where it is not needed.
  MemoryCheck forced = plan_memory(in, DitResidency::ReleasedForDecode, *g, 81, true, card(80 * kGiB, context, resident));
  CHECK(forced.fits && forced.release_dit);
  // A 6 GiB card fits neither way: the plan still picks the lower peak and says it does not fit.
  MemoryCheck tiny = plan_memory(in, DitResidency::Auto, *g, 81, true, card(6 * kGiB, context, resident));
  CHECK(!tiny.fits && tiny.release_dit);
  // After a generation the allocator caches gigabytes that the driver counts as used: they
  // are available (given back when short), so the second generation is not refused.
  MemoryCheck second = plan_memory(in, DitResidency::Auto, *g, 81, true,
                                   card(8 * kGiB, context, vae_w, 5 * kGiB));
  CHECK(second.fits && second.release_dit);
  CHECK(second.available == 8 * kGiB - context);
  // The pipeline run on the H100 (bench cuda_pipeline, random weights of the real configs):
  // weights measured at load (DiT 3.10 GiB in the pool, VAE decoder 0.15 GiB), 0.51 GiB of
  // context, 7.45 GiB available on the simulated 8 GiB card. The estimates cover the measured
  // pool peaks (6.55 GiB with the DiT released for decoding, 8.31 GiB with it kept), Auto
  // releases, and the plan fits as the run did.
  MemoryInputs measured = in;
  measured.dit_weight_bytes = uint64_t(3.10 * kGiB);
  measured.vae_weight_bytes = uint64_t(0.15 * kGiB);
  MemoryEstimate mk = estimate_memory(measured, *g, 81, true);
  CHECK(mk.weights_bytes == measured.dit_weight_bytes + measured.vae_weight_bytes + in.t5_params * 2);
  CHECK(mk.peak_bytes >= uint64_t(8.31 * kGiB));
  const uint64_t measured_resident = uint64_t(3.25 * kGiB);
  MemoryCheck h100_8gib = plan_memory(measured, DitResidency::Auto, *g, 81, true,
                                      card(8 * kGiB, uint64_t(0.51 * kGiB), measured_resident));
  CHECK(h100_8gib.fits && h100_8gib.release_dit);
  CHECK(h100_8gib.estimate.peak_bytes >= uint64_t(6.55 * kGiB));
  CHECK(h100_8gib.estimate.peak_bytes <= h100_8gib.available);
  // Unknown device memory (total 0): no verdict, the DiT stays.
  MemoryCheck unknown = plan_memory(in, DitResidency::Auto, *g, 81, true, MemoryStats{});
  CHECK(unknown.fits && !unknown.release_dit && unknown.available == 0);
}

TSR_TEST(stage_meter, splits_a_generation_into_its_intervals) {
  auto dir = test::write_tiny_model();
  REQUIRE_OK(dir.status());
  auto be = make_cpu_backend();
  auto m = load_folder(*be, *dir, DitResidency::ReleasedForDecode);
  const uint64_t with_dit = be->memory().in_use;
  m->release_dit();
  const uint64_t dit_bytes = with_dit - be->memory().in_use;  // loaded again by generate()
  CHECK(dit_bytes > 0);
  std::vector<StageInterval> printed;
  StageMeter meter(*be, [&](const StageInterval& iv) { printed.push_back(iv); });
  const auto t0 = std::chrono::steady_clock::now();
  meter.start();
  auto v = generate(*m, small_request(), meter);
  REQUIRE_OK(v.status());
  meter.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // text: encoder load + 2 prompts; denoise: 2 steps; decode: end of loop + 3 chunks.
  const auto& iv = meter.intervals();
  REQUIRE(iv.size() == 3 + 2 + 4);
  CHECK(printed.size() == iv.size());
  const Stage expect[] = {Stage::EncodeText, Stage::EncodeText, Stage::EncodeText, Stage::Denoise, Stage::Denoise,
                          Stage::Decode,     Stage::Decode,     Stage::Decode,     Stage::Decode};
  for (size_t i = 0; i < iv.size(); ++i) CHECK(iv[i].stage == expect[i]);
  CHECK(iv[0].step == 0 && iv[2].step == 2 && iv[4].step == 2 && iv[4].total == 2);
  CHECK(meter.totals(Stage::EncodeText).intervals == 3);
  CHECK(meter.totals(Stage::Denoise).intervals == 2);
  CHECK(meter.totals(Stage::Decode).intervals == 4);
  CHECK(meter.seconds_per_step() == iv[4].seconds);
  double sum = 0;
  for (const auto& x : iv) {
    CHECK(x.seconds >= 0);
    CHECK(x.peak >= x.in_use);
    sum += x.seconds;
  }
  CHECK(sum <= wall + 1e-6);
  CHECK(sum > 0.5 * wall);

  // Memory: the DiT is resident while denoising and gone after the loop; every decoded chunk
  // (up to 4 frames of 3 x 32 x 48 float32) was held at some point during the decode.
  CHECK(iv[0].in_use + dit_bytes <= iv[3].in_use);
  CHECK(iv[3].in_use >= dit_bytes && iv[4].in_use >= dit_bytes);
  CHECK(iv[5].in_use + dit_bytes <= iv[4].in_use);
  CHECK(meter.totals(Stage::Decode).peak >= uint64_t(3) * 4 * 32 * 48 * 4);
  CHECK(meter.totals(Stage::Denoise).peak >= dit_bytes);
  CHECK(meter.peak() == std::max({meter.totals(Stage::EncodeText).peak, meter.totals(Stage::Denoise).peak,
                                  meter.totals(Stage::Decode).peak}));
  CHECK(meter.device_used() > 0);  // host RAM in use on the CPU backend
}
