// Seeded noise: Philox4x32-10 known-answer vectors, known normals (cross-checked with an
// independent Python implementation of noise.h's formula), determinism and statistics.
#include <cmath>
#include <vector>

#include "core/threadpool.h"
#include "harness.h"
#include "sampling/noise.h"

using namespace tsr;

TSR_TEST(noise, philox_known_answers) {
  // Random123's published known-answer vectors for philox4x32-10.
  CHECK((philox4x32_10({0, 0, 0, 0}, {0, 0}) == Philox4{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  CHECK((philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
         Philox4{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  CHECK((philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
         Philox4{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TSR_TEST(noise, known_normals) {
  CHECK(seeded_normal(42, 0, 0) == -0.9701898097991943f);
  CHECK(seeded_normal(42, 0, 1) == -0.07318150997161865f);
  CHECK(seeded_normal(42, 0, 2) == -0.33696186542510986f);
  CHECK(seeded_normal(42, 1, 0) == 2.1276910305023193f);
  CHECK(seeded_normal(0, 0, 0) == 0.991137683391571f);
  // High seed bits, a stream > 0 and an index past 2^32 all enter the counter/key.
  CHECK(seeded_normal((1ull << 40) + 7, 3, (1ull << 33) + 5) == -0.24810943007469177f);
}

TSR_TEST(noise, deterministic_and_thread_independent) {
  const int64_t n = 100003;
  std::vector<float> a(n), b(n), serial(n);
  fill_seeded_normal(a.data(), n, 1234, 0);
  fill_seeded_normal(b.data(), n, 1234, 0);
  for (int64_t i = 0; i < n; ++i) serial[i] = seeded_normal(1234, 0, uint64_t(i));
  CHECK(a == b);
  CHECK(a == serial);
  auto t = seeded_noise({16, 3, 5, 7}, 1234, 0);
  REQUIRE_OK(t.status());
  CHECK(std::equal(t->data_as<float>(), t->data_as<float>() + t->numel(), a.begin()));
  // Other seeds and streams give other draws.
  fill_seeded_normal(b.data(), n, 1235, 0);
  int same = 0;
  for (int64_t i = 0; i < n; ++i) same += a[i] == b[i];
  CHECK(same < 10);
  fill_seeded_normal(b.data(), n, 1234, 1);
  same = 0;
  for (int64_t i = 0; i < n; ++i) same += a[i] == b[i];
  CHECK(same < 10);
}

TSR_TEST(noise, standard_normal_statistics) {
  const int64_t n = 1 << 20;
  std::vector<float> z(n);
  fill_seeded_normal(z.data(), n, 7, 0);
  double s1 = 0, s2 = 0, s4 = 0;
  int64_t beyond3 = 0;
  for (float v : z) {
    CHECK(std::isfinite(v));
    s1 += v;
    s2 += double(v) * v;
    s4 += double(v) * v * v * v;
    beyond3 += std::fabs(v) > 3;
  }
  double mean = s1 / n, var = s2 / n - mean * mean, kurt = s4 / n / (var * var);
  CHECK_NEAR(mean, 0.0, 5e-3);     // std error 1e-3
  CHECK_NEAR(var, 1.0, 7e-3);      // std error 1.4e-3
  CHECK_NEAR(kurt, 3.0, 3e-2);
  CHECK_NEAR(double(beyond3) / n, 0.0026998, 4e-4);
}
