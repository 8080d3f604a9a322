#include "sampling/noise.h"

#include <cmath>

#include "core/threadpool.h"

namespace tsr {

namespace {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kInv2Pow32 = 1.0 / 4294967296.0;
}  // namespace

Philox4 philox4x32_10(Philox4 c, std::array<uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kW0;
      k[1] += kW1;
    }
    uint64_t p0 = uint64_t(kM0) * c[0];
    uint64_t p1 = uint64_t(kM1) * c[2];
    uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
    uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

float seeded_normal(uint64_t seed, uint64_t stream, uint64_t index) {
  Philox4 r = philox4x32_10({uint32_t(index), uint32_t(index >> 32), uint32_t(stream), 0u},
                            {uint32_t(seed), uint32_t(seed >> 32)});
  double u1 = (double(r[0]) + 0.5) * kInv2Pow32;
  double u2 = (double(r[1]) + 0.5) * kInv2Pow32;
  return float(std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2));
}

void fill_seeded_normal(float* out, int64_t n, uint64_t seed, uint64_t stream) {
  default_pool().parallel_for(n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = seeded_normal(seed, stream, uint64_t(i));
  });
}

StatusOr<Tensor> seeded_noise(const Shape& shape, uint64_t seed, uint64_t stream) {
  Tensor t = host_empty(DType::F32, shape);
  if (!t.data() && t.numel() > 0)
    return Error(Code::OutOfMemory, "noise: cannot allocate %s floats", shape_str(shape).c_str());
  fill_seeded_normal(t.data_as<float>(), t.numel(), seed, stream);
  return t;
}

}  // namespace tsr
