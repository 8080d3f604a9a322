// Whole text-to-video generations through the engine's own generate() (text encoding, sampling
// with classifier-free guidance, VAE decode, with the bundle's residency rules) on random weights
// of the real configs (random_model.h), measured interval by interval (engine/stage_meter.h).
//
//   cuda_pipeline: Wan2.1-1.3B DiT + umT5-XXL + Wan-VAE at 81x480x832, 2 UniPC steps, CFG on,
//     dense attention, text encoder not kept. "8GiB auto": a simulated 8 GiB card (the rest of
//     the GPU is held by one ballast allocation, so the pool's out-of-memory retry and the
//     engine's memory plan run for real) with the default DitResidency::Auto, two generations
//     on one bundle. "kept": the whole GPU, DiT kept through decoding (the natural peaks).
//   cpu_pipeline: the same code on the CPU backend at a tiny config (runs without a GPU).
// Each interval is printed as it closes, so a run that fails still says how far it got, then
// each generation's totals (one-shot runs: nothing goes through Runner::run's repeated timing).
#include <cstdio>
#include <string>
#include <vector>

#include "bench.h"
#include "engine/generate.h"
#include "engine/stage_meter.h"
#include "engine/text_encode.h"
#include "random_model.h"

#ifdef TSR_WITH_CUDA
#include <cuda_runtime.h>

#include "backend/cuda/cuda_backend.h"
#endif

using namespace tsr;
using namespace tsr::bench;

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

struct PipelineCase {
  std::string name;
  DitConfig dit;
  T5Config t5;
  VaeConfig vae;
  int width = 0, height = 0, frames = 0, steps = 2;
  DitResidency residency = DitResidency::Auto;
  int generations = 1;
};

struct Stores {
  std::shared_ptr<WeightStore> dit, vae, t5;
};

// Memoized, so the second case and the second generation reload the same bytes without the
// random generator's cost.
Stores random_stores(const PipelineCase& c) {
  return {memoized_store(random_dit_weights(c.dit, 1)), memoized_store(random_vae_decoder_weights(c.vae, 4)),
          memoized_store(random_t5_weights(c.t5, 6))};
}

std::vector<int32_t> some_ids(int n, int vocab, uint64_t seed) {
  std::vector<int32_t> ids;
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    ids.push_back(int32_t(2 + x % uint64_t(vocab - 2)));
  }
  ids.push_back(kEosId);
  return ids;
}

GenerateRequest pipeline_request(const PipelineCase& c, int generation) {
  GenerateRequest r;
  r.prompt_ids = some_ids(24, c.t5.vocab, 10 + generation);
  r.negative_ids = some_ids(12, c.t5.vocab, 20 + generation);
  r.width = c.width;
  r.height = c.height;
  r.frames = c.frames;
  r.steps = c.steps;
  r.guidance = 5.0f;  // CFG on: two DiT passes per step
  r.seed = uint64_t(generation);
  return r;
}


// What the interval closed by this event covered (engine/stage_meter.h).
std::string interval_label(const StageInterval& iv, int chunks) {
  char b[64];
  switch (iv.stage) {
    case Stage::EncodeText:
      if (iv.step == 0) return "text: load encoder";
      std::snprintf(b, sizeof b, "text: encode %d/%d", iv.step, iv.total);
      return b;
    case Stage::Denoise:
      std::snprintf(b, sizeof b, "denoise: step %d/%d", iv.step, iv.total);
      return b;
    case Stage::Decode:
      if (iv.step == 1) return "decode: end of loop";
      std::snprintf(b, sizeof b, "decode: chunk %d/%d", iv.step == 0 ? chunks : iv.step - 1, chunks);
      return b;
  }
  return "?";
}

// GiB, or MiB below a tenth of one (the tiny CPU case).
std::string gib(uint64_t bytes) {
  char b[32];
  if (bytes >= (uint64_t(1) << 30) / 10) std::snprintf(b, sizeof b, "%.2f GiB", double(bytes) / kGiB);
  else std::snprintf(b, sizeof b, "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
  return b;
}

// device_offset: device bytes that are not the engine's (the ballast), left out of device_used.
uint64_t engine_device_used(uint64_t used, uint64_t device_offset) {
  return used > device_offset ? used - device_offset : 0;
}

// Loads a bundle from `st` and runs the case's generations on `be`, printing as it goes.
Status run_case(Runner& b, Backend& be, const PipelineCase& c, const Stores& st, uint64_t device_offset) {
  if (!b.wants(c.name)) return OkStatus();
  const bool device = be.device() != DeviceKind::Cpu;
  auto dev_str = [&](uint64_t used) {
    return device ? ", device " + gib(engine_device_used(used, device_offset)) : std::string();
  };
  const std::string tag = "  [" + c.name + "] ";
  BundleSource src;
  src.dit = c.dit;
  src.vae = c.vae;
  src.t5 = c.t5;
  src.dit_weights = fixed_store(st.dit);
  src.vae_weights = fixed_store(st.vae);
  src.t5_weights = fixed_store(st.t5);
  BundleOptions opts;
  opts.dit_residency = c.residency;
  be.reset_peak();
  StageMeter load_meter(be);
  load_meter.start();
  auto m = ModelBundle::load(be, std::move(src), opts);
  if (!m.ok()) return m.status().with_context("loading the bundle");
  load_meter.finish();
  const StageInterval& load = load_meter.intervals().back();
  std::printf("%sbundle loaded in %.2f s: in use %s, peak %s%s\n", tag.c_str(), load.seconds,
              gib(load.in_use).c_str(), gib(load.peak).c_str(), dev_str(load.device_used).c_str());
  std::fflush(stdout);

  for (int gen = 1; gen <= c.generations; ++gen) {
    GenerateRequest req = pipeline_request(c, gen);
    GenerateRequest checked = req;
    TSR_ASSIGN_OR_RETURN(LatentGeometry g, check_request(**m, &checked));
    TSR_ASSIGN_OR_RETURN(MemoryCheck mc, check_memory(**m, checked, g));
    std::printf("%sgeneration %d: estimate peak %s (denoise %s, decode %s), available %s, DiT %s for decoding\n",
                tag.c_str(), gen, gib(mc.estimate.peak_bytes).c_str(), gib(mc.estimate.denoise_bytes).c_str(),
                gib(mc.estimate.decode_bytes).c_str(), gib(mc.available).c_str(),
                mc.release_dit ? "released" : "kept");
    std::fflush(stdout);
    StageMeter meter(be, [&](const StageInterval& iv) {
      std::printf("%s  %-22s %7.3f s  in use %s  peak %s%s\n", tag.c_str(), interval_label(iv, g.t).c_str(),
                  iv.seconds, gib(iv.in_use).c_str(), gib(iv.peak).c_str(),
                  dev_str(iv.device_used).c_str());
      std::fflush(stdout);
    });
    meter.start();
    auto video = generate(**m, req, meter);
    if (!video.ok()) return video.status().with_context("generation " + std::to_string(gen));
    meter.finish();
    const StageTotals text = meter.totals(Stage::EncodeText), denoise = meter.totals(Stage::Denoise),
                      decode = meter.totals(Stage::Decode);
    const double text_load = meter.intervals().empty() ? 0 : meter.intervals().front().seconds;
    char note[512];
    std::snprintf(note, sizeof note,
                  "gen %d: text %.2f s (encoder load %.2f), denoise %.2f s (%.3f s/step, %d steps x 2 passes), "
                  "decode %.2f s; peak text %s / denoise %s / decode %s = %s; DiT %s for decoding",
                  gen, text.seconds, text_load, denoise.seconds, meter.seconds_per_step(), c.steps, decode.seconds,
                  gib(text.peak).c_str(), gib(denoise.peak).c_str(), gib(decode.peak).c_str(),
                  gib(meter.peak()).c_str(), (*m)->dit_loaded() ? "kept" : "released");
    std::string figures = note;
    if (device) {
      std::snprintf(note, sizeof note, "; device used text %s / denoise %s / decode %s, max %s (%s 8 GiB)",
                    gib(engine_device_used(text.device_used, device_offset)).c_str(),
                    gib(engine_device_used(denoise.device_used, device_offset)).c_str(),
                    gib(engine_device_used(decode.device_used, device_offset)).c_str(),
                    gib(engine_device_used(meter.device_used(), device_offset)).c_str(),
                    engine_device_used(meter.device_used(), device_offset) <= (8ull << 30) ? "within" : "OVER");
      figures += note;
    }
    std::printf("%s%s\n", tag.c_str(), figures.c_str());
    std::fflush(stdout);
  }
  return OkStatus();
}

}  // namespace

TSR_BENCH(cpu_pipeline) {
  PipelineCase c;
  c.dit.dim = 128, c.dit.ffn_dim = 256, c.dit.num_heads = 2, c.dit.num_layers = 2;
  c.dit.text_dim = 64, c.dit.text_len = 16;
  c.t5.vocab = 512, c.t5.dim = 64, c.t5.dim_attn = 64, c.t5.dim_ffn = 128, c.t5.num_heads = 2, c.t5.num_layers = 2;
  c.vae.dim = 8;
  c.width = 64, c.height = 48, c.frames = 9;
  const Stores st = random_stores(c);
  auto be = make_cpu_backend();
  c.name = "tiny kept";
  c.residency = DitResidency::Kept;
  Status s = run_case(b, *be, c, st, 0);
  if (s.ok()) {
    c.name = "tiny released for decode";
    c.residency = DitResidency::ReleasedForDecode;
    c.generations = 2;
    s = run_case(b, *be, c, st, 0);
  }
  if (!s.ok()) b.skip(c.name + " (error)", s.to_string());
}

#ifdef TSR_WITH_CUDA
TSR_BENCH(cuda_pipeline) {
  CudaProbe probe = cuda_probe(0);
  if (!probe.usable) {
    b.skip("all", probe.reason);
    return;
  }
  PipelineCase c;  // Wan2.1-T2V-1.3B, umT5-XXL, Wan-VAE defaults
  c.width = 832, c.height = 480, c.frames = 81;
  const Stores st = random_stores(c);

  // A simulated 8 GiB card first (a fresh process's context, as an app would have): one
  // allocation holds everything above 8 GiB of device memory, so what the engine, its pool,
  // the CUDA context and cuBLASLt use together must stay within 8 GiB.
  auto capped = [&](const std::string& name, DitResidency residency, int generations) {
    c.name = name;
    c.residency = residency;
    c.generations = generations;
    if (!b.wants(c.name)) return true;
    auto be = make_cuda_backend(0, CudaPath::Auto);
    Status s = be.status();
    void* ballast = nullptr;
    uint64_t ballast_bytes = 0;
    if (s.ok()) {
      const MemoryStats m0 = (*be)->memory();
      std::printf("  [%s] %s, device used before loading %s (CUDA context)\n", c.name.c_str(), probe.name.c_str(),
                  gib(m0.total - m0.free).c_str());
      ballast_bytes = m0.total > (8ull << 30) ? m0.total - (8ull << 30) : 0;
      if (ballast_bytes > 0 && cudaMalloc(&ballast, ballast_bytes) != cudaSuccess) {
        cudaGetLastError();
        ballast = nullptr;
        s = Error(Code::OutOfMemory, "ballast of %s could not be allocated", gib(ballast_bytes).c_str());
      } else {
        const MemoryStats m1 = (*be)->memory();
        std::printf("  [%s] ballast %s, device free %s\n", c.name.c_str(), gib(ballast_bytes).c_str(),
                    gib(m1.free).c_str());
        std::fflush(stdout);
        s = run_case(b, **be, c, st, ballast_bytes);
      }
    }
    if (!s.ok()) {
      std::printf("  [%s] FAILED: %s\n", c.name.c_str(), s.to_string().c_str());
      b.skip(c.name + " (error)", s.to_string());
    }
    if (ballast) cudaFree(ballast);
    return s.ok();
  };
  // The engine's default plan; should it not fit, the DiT released for every decode tells
  // whether the release alone is enough.
  if (!capped("81x480x832 8GiB auto", DitResidency::Auto, 2))
    capped("81x480x832 8GiB released", DitResidency::ReleasedForDecode, 1);

  // The whole card, DiT kept through decoding: the natural peak of each stage.
  c.name = "81x480x832 kept";
  c.residency = DitResidency::Kept;
  c.generations = 1;
  if (b.wants(c.name)) {
    auto be = make_cuda_backend(0, CudaPath::Auto);
    Status s = be.status();
    if (s.ok()) {
      const MemoryStats m0 = (*be)->memory();
      std::printf("  [%s] device used before loading %s\n", c.name.c_str(), gib(m0.total - m0.free).c_str());
      s = run_case(b, **be, c, st, 0);
    }
    if (!s.ok()) {
      std::printf("  [%s] FAILED: %s\n", c.name.c_str(), s.to_string().c_str());
      b.skip(c.name + " (error)", s.to_string());
    }
  }
}
#endif
