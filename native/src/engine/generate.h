// Text-to-video generation on a loaded model (spec/wan21.md §1):
//   validate -> encode prompt (and negative prompt with CFG) -> DiT text caches -> seeded noise
//   -> sampler loop with CFG, per-step attention plans, previews, progress and cancellation
//   -> VAE decode chunk by chunk (cancellable) -> uint8 frames.
// The attention-map and calibration tools reuse the same preparation and loop.
#pragma once

#include <functional>
#include <memory>

#include "engine/memory_estimate.h"
#include "engine/model_bundle.h"
#include "engine/request.h"
#include "engine/video_size.h"
#include "sampling/sampler.h"

namespace tsr {

// Validates the request against the model (InvalidSize / InvalidArgument) and returns the
// latent geometry. Fills in model defaults where the request leaves them open (few-step
// timesteps from tessera.json).
StatusOr<LatentGeometry> check_request(const ModelBundle& m, GenerateRequest* req);

struct MemoryCheck {
  MemoryEstimate estimate;
  // free device memory + what this engine already holds (in use or cached); 0 = unknown
  uint64_t available = 0;
  bool fits = true;
  bool release_dit = false;  // the run frees the DiT's weights before decoding
};
StatusOr<MemoryCheck> check_memory(const ModelBundle& m, const GenerateRequest& req, const LatentGeometry& g);
// The plan behind check_memory for given inputs and backend memory: the estimate with the DiT
// kept through decoding, or, under DitResidency::Auto when that does not fit, released for it
// if that lowers the peak; ReleasedForDecode always releases.
MemoryCheck plan_memory(MemoryInputs in, DitResidency residency, const LatentGeometry& g, int frames, bool cfg,
                        const MemoryStats& mem);

// State of one denoising run after text encoding.
struct PreparedRun {
  GenerateRequest req;
  LatentGeometry geo;
  bool cfg = false;
  DitTextCache cond, uncond;
  std::unique_ptr<Sampler> sampler;
  double seconds_text = 0;
  bool release_dit_for_decode = false;  // from the memory check
};

// Validation, memory check, text encoding, the DiT's weights (loaded again if a previous run
// released them) and its text caches.
StatusOr<PreparedRun> prepare_run(ModelBundle& m, GenerateRequest req, RunObserver& obs);

struct LoopHooks {
  int last_step = -1;        // run steps [0, last_step] only; the sampler update of last_step is skipped
  bool dense = false;        // ignore the request's attention rules
  bool progress = true;      // emit denoise progress (with previews when asked)
  // Observer for the forward pass of (step, cond); null for none.
  std::function<SelfAttentionObserver*(int step, bool cond)> observer;
};

// Runs the sampler loop from seeded noise; returns the final latent (or the sample at
// last_step when the loop stops early).
StatusOr<Tensor> run_denoise(ModelBundle& m, PreparedRun& run, RunObserver& obs, const LoopHooks& hooks,
                             double* seconds = nullptr);

StatusOr<Video> generate(ModelBundle& m, const GenerateRequest& req, RunObserver& obs);

}  // namespace tsr
