// FlowUniPC, Wan's FlowUniPCMultistepScheduler with its defaults (spec/wan21.md §7.3):
// solver order 2, bh2, x0 prediction, lower order at the first and last steps, corrector (UniC)
// on every step after the first.
//
// Scalars are computed in float64 from the float32 sigmas and each update is evaluated per
// element in float64 then rounded to float32 (the reference uses float32 scalar tensors; the
// spec measured float64 scalars to reproduce the golden x_final to 3e-7).
#pragma once

#include <vector>

#include "sampling/sampler.h"

namespace tsr {

class FlowUniPC final : public Sampler {
 public:
  explicit FlowUniPC(Schedule s) : Sampler(std::move(s)) {}

 protected:
  Status do_step(int i, const float* v, float* x, int64_t n) override;

 private:
  double lambda(int i) const;  // log(alpha_i) - log(sigma_i); finite for i < N
  // x0 predictions of earlier steps: m_prev_ = m_{i-1}, m_prev2_ = m_{i-2}.
  std::vector<float> m_prev_, m_prev2_;
  std::vector<float> x_corrected_;  // x^c_{i-1}: base of the previous predictor
  int prev_order_ = 0;
};

}  // namespace tsr
