// Minimal test harness: TSR_TEST(suite, name) registers a test; CHECK* record failures and
// continue, REQUIRE* stop the test. The runner takes substring filters on the command line.
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace tsr::test {

struct TestCase {
  std::string suite, name;
  std::function<void()> fn;
};
std::vector<TestCase>& registry();
struct Registrar {
  Registrar(const char* suite, const char* name, std::function<void()> fn) {
    registry().push_back({suite, name, std::move(fn)});
  }
};

// Records a failure of the running test.
void fail(const char* file, int line, const std::string& what);
struct RequireFailed {};

// Folder holding ../shared/golden fixtures: $TESSERA_GOLDEN, else <repo>/../shared/golden.
// Empty string when neither exists (golden tests then fail with a clear message).
std::string golden_dir();
// A fresh scratch folder under the system temp dir, removed at exit.
std::string temp_dir();
// Deterministic per-test random source (seeded from the test name).
struct Rng {
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t s;
  uint64_t next() {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    return s;
  }
  float uniform() { return float((next() >> 40) * (1.0 / 16777216.0)); }  // [0,1)
  float normal() {
    float u1 = uniform() + 1e-7f, u2 = uniform();
    return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
  }
  int range(int lo, int hi) { return lo + int(next() % uint64_t(hi - lo + 1)); }  // [lo, hi]
};
// Host f32 tensor of N(0, scale²) values.
Tensor random_tensor(Rng& rng, const Shape& shape, float scale = 1.0f);

}  // namespace tsr::test

#define TSR_TEST(suite, name)                                                            \
  static void tsr_test_##suite##_##name();                                               \
  static ::tsr::test::Registrar tsr_reg_##suite##_##name(#suite, #name,                  \
                                                          tsr_test_##suite##_##name);   \
  static void tsr_test_##suite##_##name()

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) ::tsr::test::fail(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define REQUIRE(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      ::tsr::test::fail(__FILE__, __LINE__, "REQUIRE(" #cond ")");            \
      throw ::tsr::test::RequireFailed{};                                      \
    }                                                                          \
  } while (0)

#define CHECK_OK(expr)                                                                     \
  do {                                                                                     \
    ::tsr::Status _st = (expr);                                                            \
    if (!_st.ok()) ::tsr::test::fail(__FILE__, __LINE__, "CHECK_OK: " + _st.to_string()); \
  } while (0)

#define REQUIRE_OK(expr)                                                                      \
  do {                                                                                        \
    ::tsr::Status _st = (expr);                                                               \
    if (!_st.ok()) {                                                                          \
      ::tsr::test::fail(__FILE__, __LINE__, "REQUIRE_OK: " + _st.to_string());               \
      throw ::tsr::test::RequireFailed{};                                                     \
    }                                                                                         \
  } while (0)

// CHECK_CODE(status, Code::CorruptFile)
#define CHECK_CODE(expr, expected_code)                                                     \
  do {                                                                                      \
    ::tsr::Status _st = (expr);                                                             \
    if (_st.code() != (expected_code))                                                      \
      ::tsr::test::fail(__FILE__, __LINE__,                                                 \
                        std::string("expected ") + ::tsr::code_name(expected_code) +        \
                            ", got " + _st.to_string());                                    \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                         \
  do {                                                                                \
    double _a = (a), _b = (b);                                                        \
    if (!(std::fabs(_a - _b) <= (tol))) {                                             \
      std::ostringstream _os;                                                         \
      _os << "CHECK_NEAR(" #a ", " #b "): " << _a << " vs " << _b << " tol " << (tol); \
      ::tsr::test::fail(__FILE__, __LINE__, _os.str());                               \
    }                                                                                 \
  } while (0)

// Relative L2 error below a bound, printed in the failure message.
#define CHECK_REL_L2(err, tol)                                                          \
  do {                                                                                  \
    double _e = (err);                                                                  \
    if (!(_e <= (tol))) {                                                               \
      std::ostringstream _os;                                                           \
      _os << "relative L2 " << _e << " > " << (tol) << " (" #err ")";                   \
      ::tsr::test::fail(__FILE__, __LINE__, _os.str());                                 \
    }                                                                                   \
  } while (0)
