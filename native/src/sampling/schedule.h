// Timestep / sigma grids of the samplers (spec/wan21.md §7.2).
//
// Flow matching convention: x_sigma = (1 - sigma) x0 + sigma eps, the model predicts v = eps - x0
// and is evaluated at timestep t = 1000 sigma. Every grid ends with sigma_N = 0.
#pragma once

#include <vector>

#include "core/status.h"

namespace tsr {

struct Schedule {
  std::vector<double> timesteps;  // [N] what the DiT receives at each step
  std::vector<float> sigmas;      // [N + 1] float32 as the reference stores them; sigmas[N] == 0
  int steps() const { return int(timesteps.size()); }
};

constexpr int kMaxSteps = 1000;
constexpr int kMaxFewStepTimesteps = 64;

// The shift map sigma -> s sigma / (1 + (s - 1) sigma), in float64 (numpy's evaluation order).
double shift_sigma(double sigma, double shift);

// Wan's FlowUniPCMultistepScheduler.set_timesteps(N, shift) with num_train_timesteps 1000:
// sigma_max = float32(0.999) (the 1000-step training grid's first sigma), sigma_min = 0,
// sigma_hat_i = numpy.linspace(sigma_max, 0, N + 1)[i] (start + i * step, float64), shifted,
// t_i = int64(1000 sigma_i) (truncated), sigmas rounded to float32 with sigma_N = 0 appended.
// UniPC and Euler share this grid. InvalidArgument for N outside [1, kMaxSteps] or shift <= 0.
StatusOr<Schedule> wan_flow_schedule(int steps, double shift);

// Explicit timesteps of a few-step (DMD / consistency distilled) model, e.g. FastWan's
// {1000, 757, 522}: tau_i = t_i / 1000, sigma_i = shift_sigma(tau_i, shift), and the model is
// evaluated at 1000 sigma_i (not truncated). This equals the "warped denoising steps" of the
// distillation code, which index the shifted 1000-entry FlowMatch table at 1000 - t_i; with
// shift 1 the sigmas are simply t_i / 1000. Timesteps must lie in [1, 1000] and decrease strictly.
StatusOr<Schedule> fewstep_schedule(const std::vector<int>& timesteps, double shift);

}  // namespace tsr
