#include "engine/generate.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include "engine/attn_rules.h"
#include "engine/rgb_convert.h"
#include "engine/text_encode.h"
#include "sampling/noise.h"

namespace tsr {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Status cancelled_status(const char* where) { return Error(Code::Cancelled, "cancelled %s", where); }

ProgressEvent make_event(const Backend& be, Stage stage, int step, int total, double elapsed) {
  ProgressEvent e;
  e.stage = stage;
  e.step = step;
  e.total = total;
  e.elapsed_seconds = elapsed;
  e.seconds_per_step = step > 0 ? elapsed / step : 0;
  MemoryStats mem = be.memory();
  e.bytes_in_use = mem.in_use;
  e.bytes_peak = mem.peak;
  return e;
}

std::string gib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", double(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

StatusOr<LatentGeometry> check_request(const ModelBundle& m, GenerateRequest* req) {
  const AppDefaults& d = m.app().defaults;
  if (req->sampler == SamplerKind::FewStep) {
    if (req->timesteps.empty()) req->timesteps = d.timesteps;
    if (req->timesteps.empty())
      return Error(Code::InvalidArgument, "the few-step sampler needs a timestep list (e.g. 1000, 757, 522)");
    req->steps = int(req->timesteps.size());
  }
  if (req->steps < 1 || req->steps > kMaxSteps)
    return Error(Code::InvalidArgument, "steps must be in [1, %d], got %d", kMaxSteps, req->steps);
  if (!std::isfinite(req->guidance) || req->guidance < 0 || req->guidance > 100)
    return Error(Code::InvalidArgument, "guidance must be a number in [0, 100], got %g", double(req->guidance));
  if (!std::isfinite(req->shift) || req->shift <= 0 || req->shift > 1000)
    return Error(Code::InvalidArgument, "shift must be a number in (0, 1000], got %g", double(req->shift));
  if (req->preview_max_side < 0 || req->preview_max_side > 4096)
    return Error(Code::InvalidArgument, "preview_max_side must be in [0, 4096], got %d", req->preview_max_side);
  TSR_RETURN_IF_ERROR(validate_attn_config(req->attn, m.dit_config().num_layers, m.dit_config().num_heads));
  return latent_geometry(m.dit_config(), m.vae_config(), req->width, req->height, req->frames);
}

MemoryCheck plan_memory(MemoryInputs in, DitResidency residency, const LatentGeometry& g, int frames, bool cfg,
                        const MemoryStats& mem) {
  MemoryCheck c;
  in.release_dit_for_decode = residency == DitResidency::ReleasedForDecode;
  c.release_dit = in.release_dit_for_decode;
  c.estimate = estimate_memory(in, g, frames, cfg);
  if (mem.total == 0) return c;
  // Blocks an allocator caches for reuse are given back when it runs short, so they count as
  // available (after one generation the CUDA pool caches gigabytes that cudaMemGetInfo counts as used).
  c.available = mem.free + mem.in_use + mem.cached;
  c.fits = c.estimate.peak_bytes <= c.available;
  if (!c.fits && residency == DitResidency::Auto) {
    in.release_dit_for_decode = true;
    MemoryEstimate released = estimate_memory(in, g, frames, cfg);
    if (released.peak_bytes < c.estimate.peak_bytes) {
      c.estimate = released;
      c.release_dit = true;
      c.fits = released.peak_bytes <= c.available;
    }
  }
  return c;
}

StatusOr<MemoryCheck> check_memory(const ModelBundle& m, const GenerateRequest& req, const LatentGeometry& g) {
  return plan_memory(m.memory_inputs(), m.dit_residency(), g, req.frames, cfg_needs_uncond(req.guidance),
                     m.backend().memory());
}

StatusOr<PreparedRun> prepare_run(ModelBundle& m, GenerateRequest req, RunObserver& obs) {
  Backend& be = m.backend();
  PreparedRun run;
  TSR_ASSIGN_OR_RETURN(run.geo, check_request(m, &req));
  TSR_ASSIGN_OR_RETURN(MemoryCheck mc, check_memory(m, req, run.geo));
  if (!mc.fits)
    return Error(Code::OutOfMemory,
                 "%dx%d with %d frames needs about %s at its peak but %s are available; try a smaller size or "
                 "fewer frames",
                 req.width, req.height, req.frames, gib(mc.estimate.peak_bytes).c_str(), gib(mc.available).c_str());
  if (req.prompt_ids.empty()) return Error(Code::InvalidArgument, "the prompt has no tokens (EOS at least)");
  run.cfg = cfg_needs_uncond(req.guidance);
  run.release_dit_for_decode = mc.release_dit;

  SamplerOptions so;
  so.kind = req.sampler;
  so.steps = req.steps;
  so.shift = req.shift;
  so.timesteps = req.timesteps;
  so.seed = req.seed;
  TSR_ASSIGN_OR_RETURN(run.sampler, make_sampler(so));

  // Text: the encoder is loaded on demand and freed afterwards unless kept.
  const auto t0 = Clock::now();
  const int text_len = m.dit_config().text_len, vocab = m.t5_config().vocab;
  TSR_ASSIGN_OR_RETURN(auto pos_ids, prepare_ids(req.prompt_ids, text_len, vocab));
  std::vector<int32_t> neg_ids;
  if (run.cfg) {
    TSR_ASSIGN_OR_RETURN(neg_ids, prepare_ids(req.negative_ids, text_len, vocab));
  }
  const int n_texts = run.cfg ? 2 : 1;
  Tensor ctx_pos, ctx_neg;
  {
    TSR_ASSIGN_OR_RETURN(const UmT5Encoder* t5, m.text_encoder());
    obs.on_progress(make_event(be, Stage::EncodeText, 0, n_texts, seconds_since(t0)));
    auto pos = encode_text(*t5, pos_ids, text_len);
    if (!pos.ok()) {
      m.release_text_encoder();
      return pos.status().with_context("encoding the prompt");
    }
    ctx_pos = *pos;
    obs.on_progress(make_event(be, Stage::EncodeText, 1, n_texts, seconds_since(t0)));
    if (run.cfg) {
      auto neg = encode_text(*t5, neg_ids, text_len);
      if (!neg.ok()) {
        m.release_text_encoder();
        return neg.status().with_context("encoding the negative prompt");
      }
      ctx_neg = *neg;
      obs.on_progress(make_event(be, Stage::EncodeText, 2, n_texts, seconds_since(t0)));
    }
    m.release_text_encoder();
  }
  if (obs.cancelled()) return cancelled_status("after text encoding");
  // After the text encoder is gone, so that its layer and the DiT never share the device.
  TSR_RETURN_IF_ERROR(m.load_dit());
  TSR_ASSIGN_OR_RETURN(run.cond, m.dit().prepare_text(ctx_pos));
  if (run.cfg) {
    TSR_ASSIGN_OR_RETURN(run.uncond, m.dit().prepare_text(ctx_neg));
  }
  run.seconds_text = seconds_since(t0);
  run.req = std::move(req);
  return run;
}

StatusOr<Tensor> run_denoise(ModelBundle& m, PreparedRun& run, RunObserver& obs, const LoopHooks& hooks,
                             double* seconds) {
  Backend& be = m.backend();
  const GenerateRequest& req = run.req;
  const LatentGeometry& g = run.geo;
  const DitConfig& dc = m.dit_config();
  Sampler& sampler = *run.sampler;
  const int N = sampler.steps();
  const int last = hooks.last_step < 0 ? N - 1 : hooks.last_step;
  if (last >= N) return Error(Code::InvalidArgument, "step %d does not exist (the run has %d steps)", last, N);

  TSR_ASSIGN_OR_RETURN(Tensor x, seeded_noise({g.channels, g.t, g.h, g.w}, req.seed, 0));
  Tensor v = host_empty(DType::F32, x.shape());
  Tensor x0 = host_empty(DType::F32, x.shape());
  if (!v.data() || !x0.data()) return Error(Code::OutOfMemory, "cannot allocate the latents");
  const auto t0 = Clock::now();
  for (int i = 0; i <= last; ++i) {
    if (obs.cancelled()) return cancelled_status("between denoising steps");
    AttnPlan plan;
    if (!hooks.dense) plan = plan_for_step(req.attn, i, N, dc.num_layers, dc.num_heads);
    else std::copy(req.attn.tile, req.attn.tile + 3, plan.tile);
    const double t = sampler.timestep(i);
    SelfAttentionObserver* oc = hooks.observer ? hooks.observer(i, true) : nullptr;
    TSR_ASSIGN_OR_RETURN(Tensor vc, m.dit().forward(x, t, run.cond, &plan, oc));
    if (run.cfg) {
      if (obs.cancelled()) return cancelled_status("between the guidance passes");
      SelfAttentionObserver* ou = hooks.observer ? hooks.observer(i, false) : nullptr;
      TSR_ASSIGN_OR_RETURN(Tensor vu, m.dit().forward(x, t, run.uncond, &plan, ou));
      TSR_RETURN_IF_ERROR(apply_cfg(vc, vu, req.guidance, v));
    } else {
      if (vc.shape() != v.shape())
        return Error(Code::Internal, "DiT returned %s for a latent %s", shape_str(vc.shape()).c_str(),
                     shape_str(v.shape()).c_str());
      std::memcpy(v.data(), vc.data(), v.nbytes());
    }
    if (i == hooks.last_step) break;  // early stop for tools: the sample at this step is what they want
    if (hooks.progress) {
      ProgressEvent e = make_event(be, Stage::Denoise, i + 1, N, seconds_since(t0));
      RgbFrames frames;
      if (req.preview) {
        predict_x0(x.data_as<float>(), v.data_as<float>(), sampler.sigma(i), x0.data_as<float>(), x.numel());
        TSR_ASSIGN_OR_RETURN(frames, render_preview(m.preview(), x0, req.preview_max_side));
        e.preview = &frames;
      }
      TSR_RETURN_IF_ERROR(sampler.step(i, v, x));
      obs.on_progress(e);
    } else {
      TSR_RETURN_IF_ERROR(sampler.step(i, v, x));
    }
  }
  if (seconds) *seconds = seconds_since(t0);
  return x;
}

StatusOr<Video> generate(ModelBundle& m, const GenerateRequest& req, RunObserver& obs) {
  Backend& be = m.backend();
  be.clear_error();
  be.reset_peak();
  TSR_ASSIGN_OR_RETURN(PreparedRun run, prepare_run(m, req, obs));
  Video out;
  out.seconds_text = run.seconds_text;
  TSR_ASSIGN_OR_RETURN(Tensor latent, run_denoise(m, run, obs, LoopHooks{}, &out.seconds_denoise));
  run.cond = DitTextCache{};  // the text caches are not needed for decoding
  run.uncond = DitTextCache{};
  // A small device decodes without the DiT's weights; the next prepare_run loads them again.
  if (run.release_dit_for_decode) m.release_dit();
  if (obs.cancelled()) return cancelled_status("before decoding");

  const auto t0 = Clock::now();
  bool was_cancelled = false;
  auto on_chunk = [&](int i, int total) {
    if (obs.cancelled()) {
      was_cancelled = true;
      return false;
    }
    obs.on_progress(make_event(be, Stage::Decode, i + 1, total, seconds_since(t0)));
    return true;
  };
  auto video = m.vae().decode(latent, m.latent_mean(), m.latent_std(), on_chunk);
  if (!video.ok()) {
    if (was_cancelled) return cancelled_status("during decoding");
    return video.status().with_context("decoding");
  }
  latent = Tensor();
  TSR_ASSIGN_OR_RETURN(out.frames, video_to_rgb(*video));
  out.seconds_decode = seconds_since(t0);
  out.fps = 16;
  out.bytes_peak = be.memory().peak;
  return out;
}

}  // namespace tsr
