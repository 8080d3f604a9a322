// Helpers shared by the CPU op tests: double-precision comparisons and input makers.
#pragma once

#include <cmath>
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "harness.h"

namespace tsr::test {

// ||out - ref|| / ||ref|| with the reference in double; NaN/Inf anywhere in `out` gives +inf
// so a non-finite result can never pass a tolerance.
inline double rel_l2_vs(const Tensor& out, const std::vector<double>& ref) {
  if (!out.defined() || out.dtype() != DType::F32 || size_t(out.numel()) != ref.size()) return INFINITY;
  const float* p = out.data_as<float>();
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(p[i])) return INFINITY;
    double d = double(p[i]) - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  if (den == 0) return num == 0 ? 0.0 : INFINITY;
  return std::sqrt(num / den);
}

inline std::vector<double> to_double(const Tensor& t) {
  std::vector<double> v(size_t(t.numel()));
  const float* p = t.data_as<float>();
  for (size_t i = 0; i < v.size(); ++i) v[i] = p[i];
  return v;
}

inline bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.defined() && b.defined() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

// The backend's answer copied back to the host (f32).
inline Tensor host(Backend& be, const Tensor& t) { return be.to_host(t); }

}  // namespace tsr::test
