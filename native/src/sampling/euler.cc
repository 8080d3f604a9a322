#include "sampling/euler.h"

namespace tsr {

Status FlowEuler::do_step(int i, const float* v, float* x, int64_t n) {
  const float dt = sched_.sigmas[i + 1] - sched_.sigmas[i];
  for (int64_t k = 0; k < n; ++k) x[k] = x[k] + dt * v[k];
  return OkStatus();
}

}  // namespace tsr
