// Few-step sampling of DMD / consistency-distilled models (FastWan: timesteps 1000, 757, 522):
// at step i the model's clean prediction x0 = x - sigma_i v is re-noised to the next sigma with
// fresh noise, x = (1 - sigma_{i+1}) x0 + sigma_{i+1} eps_{i+1}; the last step returns x0.
// eps_{i+1} is stream i + 1 of the generation's seed (noise.h), so runs are reproducible and
// stream 0 stays the initial latent.
#pragma once

#include <cstdint>

#include "sampling/sampler.h"

namespace tsr {

class FewStepSampler final : public Sampler {
 public:
  FewStepSampler(Schedule s, uint64_t seed) : Sampler(std::move(s)), seed_(seed) {}

 protected:
  Status do_step(int i, const float* v, float* x, int64_t n) override;

 private:
  uint64_t seed_;
};

}  // namespace tsr
