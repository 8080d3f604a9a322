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
  uint64_t available = 0;  // free device memory + what this engine already holds; 0 = unknown
  bool fits = true;
};
StatusOr<MemoryCheck> check_memory(const ModelBundle& m, const GenerateRequest& req, const LatentGeometry& g);

// State of one denoising run after text encoding.
struct PreparedRun {
  GenerateRequest req;
  LatentGeometry geo;
  bool cfg = false;
  DitTextCache cond, uncond;
  std::unique_ptr<Sampler> sampler;
  double seconds_text = 0;
};

// Validation, memory check, text encoding and the DiT's text caches.
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
