// Flow Euler on Wan's sigma grid (spec/wan21.md §7.4): x_{i+1} = x_i + (sigma_{i+1} - sigma_i) v_i,
// in float32 as diffusers' FlowMatchEulerDiscreteScheduler evaluates it. The last step
// (sigma_N = 0) lands on the x0 prediction.
#pragma once

#include "sampling/sampler.h"

namespace tsr {

class FlowEuler final : public Sampler {
 public:
  explicit FlowEuler(Schedule s) : Sampler(std::move(s)) {}

 protected:
  Status do_step(int i, const float* v, float* x, int64_t n) override;
};

}  // namespace tsr
