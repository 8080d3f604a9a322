#include "sampling/schedule.h"

#include <cmath>
#include <cstdint>

namespace tsr {

namespace {
Status check_shift(double shift) {
  if (!std::isfinite(shift) || shift <= 0)
    return Error(Code::InvalidArgument, "shift must be a positive number, got %g", shift);
  return OkStatus();
}
}  // namespace

double shift_sigma(double sigma, double shift) {
  return shift * sigma / (1.0 + (shift - 1.0) * sigma);
}

StatusOr<Schedule> wan_flow_schedule(int steps, double shift) {
  if (steps < 1 || steps > kMaxSteps)
    return Error(Code::InvalidArgument, "steps must be in [1, %d], got %d", kMaxSteps, steps);
  TSR_RETURN_IF_ERROR(check_shift(shift));
  // The training grid is 1 - linspace(1, 1/1000, 1000)[::-1] stored as float32, so its
  // largest sigma is float32(0.999) and its smallest exactly 0.
  const double sigma_max = double(0.999f);
  const double sigma_min = 0.0;
  const double step = (sigma_min - sigma_max) / double(steps);  // numpy.linspace's step
  Schedule s;
  s.timesteps.resize(steps);
  s.sigmas.resize(steps + 1);
  for (int i = 0; i < steps; ++i) {
    double sigma_hat = double(i) * step + sigma_max;
    double sigma = shift_sigma(sigma_hat, shift);
    s.timesteps[i] = double(int64_t(sigma * 1000.0));  // truncation, as .to(int64)
    s.sigmas[i] = float(sigma);
  }
  s.sigmas[steps] = 0.0f;
  return s;
}

StatusOr<Schedule> fewstep_schedule(const std::vector<int>& timesteps, double shift) {
  int n = int(timesteps.size());
  if (n < 1 || n > kMaxFewStepTimesteps)
    return Error(Code::InvalidArgument, "few-step sampling needs 1 to %d timesteps, got %d",
                 kMaxFewStepTimesteps, n);
  TSR_RETURN_IF_ERROR(check_shift(shift));
  Schedule s;
  s.timesteps.resize(n);
  s.sigmas.resize(n + 1);
  for (int i = 0; i < n; ++i) {
    int t = timesteps[i];
    if (t < 1 || t > 1000)
      return Error(Code::InvalidArgument, "few-step timestep %d is outside [1, 1000]", t);
    if (i > 0 && t >= timesteps[i - 1])
      return Error(Code::InvalidArgument,
                   "few-step timesteps must decrease strictly (%d follows %d)", t, timesteps[i - 1]);
    double sigma = shift_sigma(double(t) / 1000.0, shift);
    s.timesteps[i] = sigma * 1000.0;
    s.sigmas[i] = float(sigma);
  }
  s.sigmas[n] = 0.0f;
  return s;
}

}  // namespace tsr
