#include "sampling/flow_unipc.h"

#include <algorithm>
#include <cmath>

namespace tsr {

double FlowUniPC::lambda(int i) const {
  double sigma = sched_.sigmas[i];
  double alpha = 1.0 - sigma;
  return std::log(alpha) - std::log(sigma);
}

Status FlowUniPC::do_step(int i, const float* v, float* x, int64_t n) {
  const int N = steps();
  const double sigma_i = sched_.sigmas[i];
  const double alpha_i = 1.0 - sigma_i;

  // 1. x0 prediction from the sample the model saw.
  std::vector<float> m(n);
  predict_x0(x, v, float(sigma_i), m.data(), n);

  // 2. Corrector (UniC) of order p_{i-1}: refines the sample the previous predictor produced,
  //    using the new model evaluation m_i.
  if (i >= 1) {
    const double sigma_p = sched_.sigmas[i - 1];
    const double h = lambda(i) - lambda(i - 1);
    const double phi = std::expm1(-h);  // B(h) = phi for bh2
    const double B = phi;
    const double c_x = sigma_i / sigma_p;
    const double c_m = alpha_i * phi;
    const float* mp = m_prev_.data();
    float* xc = x_corrected_.data();
    if (prev_order_ == 1) {
      const double c_d = alpha_i * B * 0.5;
      for (int64_t k = 0; k < n; ++k) {
        double base = c_x * xc[k] - c_m * mp[k];
        double dt = double(m[k]) - double(mp[k]);
        x[k] = float(base - c_d * dt);
      }
    } else {
      const double r = (lambda(i - 2) - lambda(i - 1)) / h;
      const double g1 = phi / (-h) - 1.0;
      const double g2 = g1 / (-h) - 0.5;
      const double b1 = g1 / B, b2 = 2.0 * g2 / B;
      const double rho0 = (b1 - b2) / (1.0 - r);
      const double rho1 = (b2 - r * b1) / (1.0 - r);
      const double c_d = alpha_i * B;
      const float* mpp = m_prev2_.data();
      for (int64_t k = 0; k < n; ++k) {
        double base = c_x * xc[k] - c_m * mp[k];
        double d1 = (double(mpp[k]) - double(mp[k])) / r;
        double dt = double(m[k]) - double(mp[k]);
        x[k] = float(base - c_d * (rho0 * d1 + rho1 * dt));
      }
    }
  }
  // x now holds x^c_i (x^c_0 = the initial sample).

  // 3. History of x0 predictions.
  m_prev2_.swap(m_prev_);
  m_prev_.swap(m);
  // 4. Order: 1 at the first and last steps, else 2.
  const int order = std::min({2, N - i, i + 1});

  // 5./6. Predictor (UniP) towards sigma_{i+1}. At the last step sigma_N = 0 makes lambda
  //       infinite and phi = -1, so the update reduces to the x0 prediction exactly.
  if (i == N - 1) {
    std::copy(m_prev_.begin(), m_prev_.end(), x);
    prev_order_ = order;
    return OkStatus();
  }
  x_corrected_.assign(x, x + n);
  const double sigma_n = sched_.sigmas[i + 1];
  const double alpha_n = 1.0 - sigma_n;
  const double h = lambda(i + 1) - lambda(i);
  const double phi = std::expm1(-h);
  const double B = phi;
  const double c_x = sigma_n / sigma_i;
  const double c_m = alpha_n * phi;
  const float* m0 = m_prev_.data();
  if (order == 1) {
    for (int64_t k = 0; k < n; ++k) x[k] = float(c_x * x[k] - c_m * m0[k]);
  } else {
    const double r = (lambda(i - 1) - lambda(i)) / h;
    const double c_d = alpha_n * B * 0.5;
    const float* m1 = m_prev2_.data();
    for (int64_t k = 0; k < n; ++k) {
      double base = c_x * x[k] - c_m * m0[k];
      double d1 = (double(m1[k]) - double(m0[k])) / r;
      x[k] = float(base - c_d * d1);
    }
  }
  prev_order_ = order;
  return OkStatus();
}

}  // namespace tsr
