#include "sampling/fewstep.h"

#include <vector>

#include "sampling/noise.h"

namespace tsr {

Status FewStepSampler::do_step(int i, const float* v, float* x, int64_t n) {
  const float sigma = sched_.sigmas[i];
  predict_x0(x, v, sigma, x, n);  // in place: x <- x0
  if (i == steps() - 1) return OkStatus();
  const float next = sched_.sigmas[i + 1];
  std::vector<float> eps;
  try {
    eps.resize(size_t(n));
  } catch (const std::bad_alloc&) {
    return Error(Code::OutOfMemory, "few-step sampler: cannot allocate noise of %lld floats",
                 static_cast<long long>(n));
  }
  fill_seeded_normal(eps.data(), n, seed_, uint64_t(i) + 1);
  const float keep = 1.0f - next;
  for (int64_t k = 0; k < n; ++k) x[k] = keep * x[k] + next * eps[k];
  return OkStatus();
}

}  // namespace tsr
