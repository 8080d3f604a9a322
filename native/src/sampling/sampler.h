// Samplers are plain host math over float32 latents: the engine evaluates the model (with
// classifier-free guidance) and hands the velocity to step(); nothing here knows a backend.
//
//   auto s = make_sampler(opts);                  // schedule + solver state
//   for i in 0..N-1:  v = denoise(x, s->timestep(i));  s->step(i, v, x);
//
// After the last step x holds the final sample (the x0 of the clean video latent).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "sampling/schedule.h"

namespace tsr {

enum class SamplerKind { UniPC = 0, Euler = 1, FewStep = 2 };
const char* sampler_name(SamplerKind kind);  // "unipc", "euler", "fewstep"

struct SamplerOptions {
  SamplerKind kind = SamplerKind::UniPC;
  int steps = 50;               // UniPC / Euler
  double shift = 5.0;
  std::vector<int> timesteps;   // FewStep
  uint64_t seed = 0;            // FewStep: re-noising draws stream i + 1 of this seed (noise.h)
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  const Schedule& schedule() const { return sched_; }
  int steps() const { return sched_.steps(); }
  double timestep(int i) const { return sched_.timesteps[i]; }
  float sigma(int i) const { return sched_.sigmas[i]; }

  // x: the sample the model saw at step i (host float32), replaced by the sample for step i+1
  // (after the last step: the final output). v: the velocity at (x, timestep(i)), same shape.
  // Steps must come in order 0, 1, ..., N-1.
  Status step(int i, const Tensor& v, Tensor& x);

 protected:
  explicit Sampler(Schedule s) : sched_(std::move(s)) {}
  virtual Status do_step(int i, const float* v, float* x, int64_t n) = 0;
  Schedule sched_;

 private:
  int next_ = 0;
  Shape shape_;
};

StatusOr<std::unique_ptr<Sampler>> make_sampler(const SamplerOptions& opts);

// x0 = x - sigma v (float32), the clean-sample prediction of a flow model (previews, few-step).
void predict_x0(const float* x, const float* v, float sigma, float* x0, int64_t n);

// Classifier-free guidance in float32: out = v_uncond + g (v_cond - v_uncond). `out` may alias
// either input. With g <= 1 the engine skips the unconditional pass and uses v_cond as is.
Status apply_cfg(const Tensor& v_cond, const Tensor& v_uncond, float guidance, Tensor& out);
inline bool cfg_needs_uncond(float guidance) { return guidance > 1.0f; }

// Runs all steps: denoise(x, step) returns the velocity at x for that step; on_step (optional)
// sees the sample and velocity before each update and may stop the loop with an error
// (e.g. Cancelled).
using DenoiseFn = std::function<StatusOr<Tensor>(const Tensor& x, int step)>;
using StepHook = std::function<Status(int step, const Tensor& x, const Tensor& v)>;
Status run_sampler(Sampler& sampler, Tensor& x, const DenoiseFn& denoise,
                   const StepHook& on_step = nullptr);

}  // namespace tsr
