// Every SIMD variant of the attention inner blocks that this CPU supports, against double
// precision, with guard regions after the outputs.
#include <cmath>
#include <limits>
#include <vector>

#include "attention/cpu_kernels.h"
#include "harness.h"

using namespace tsr;

TSR_TEST(attention_kernels, variants_match_double_reference) {
  test::Rng rng(21);
  const int M = 16, N = 64, K = 37, keys = 45, guard = 32;
  const float kGuard = -777.0f;
  std::vector<float> A(M * K), B(K * N), C0(M * N);
  for (auto& x : A) x = rng.normal();
  for (auto& x : B) x = rng.normal();
  for (auto& x : C0) x = rng.normal();
  std::vector<float> S0(M * N), O0(M * N), m0(M), l0(M);
  for (auto& x : S0) x = rng.normal() * 3;
  for (auto& x : O0) x = rng.normal();
  for (int i = 0; i < M; ++i) {
    m0[i] = i % 3 == 0 ? -std::numeric_limits<float>::infinity() : rng.normal();
    l0[i] = i % 3 == 0 ? 0.0f : 1.0f + rng.uniform();
  }
  int ran = 0;
  for (const char* variant : {"scalar", "sse2", "avx2", "avx512"}) {
    for (bool accumulate : {false, true}) {
      std::vector<float> C(C0), S(S0), O(O0), m(m0), l(l0);
      C.resize(M * N + guard, kGuard);
      S.resize(M * N + guard, kGuard);
      O.resize(M * N + guard, kGuard);
      if (!attn_cpu::run_variant(variant, A.data(), K, B.data(), N, C.data(), N, M, N, K, accumulate,
                                 S.data(), M, keys, N, m.data(), l.data(), O.data(), N))
        continue;
      ++ran;
      double num = 0, den = 0;
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
          double r = accumulate ? C0[i * N + j] : 0.0;
          for (int k = 0; k < K; ++k) r += double(A[i * K + k]) * double(B[k * N + j]);
          num += (C[i * N + j] - r) * (C[i * N + j] - r);
          den += r * r;
        }
      CHECK_REL_L2(std::sqrt(num / den), 1e-6);
      // Softmax update: m, l, P and rescaled O against double.
      int bad = 0;
      for (int i = 0; i < M; ++i) {
        double mx = m0[i];
        for (int j = 0; j < keys; ++j) mx = std::max(mx, double(S0[i * N + j]));
        double alpha = std::exp(double(m0[i]) - mx), sum = 0;
        for (int j = 0; j < N; ++j) {
          double p = j < keys ? std::exp(double(S0[i * N + j]) - mx) : 0.0;
          sum += p;
          if (std::fabs(S[i * N + j] - p) > 1e-6 * (p + 1e-30) + 1e-30) ++bad;
          if (std::fabs(O[i * N + j] - O0[i * N + j] * alpha) > 1e-6 * std::fabs(O0[i * N + j])) ++bad;
        }
        if (m[i] != float(mx)) ++bad;
        if (std::fabs(l[i] - (l0[i] * alpha + sum)) > 1e-6 * (l0[i] * alpha + sum)) ++bad;
      }
      CHECK(bad == 0);
      for (int g = 0; g < guard; ++g) {
        CHECK(C[M * N + g] == kGuard);
        CHECK(S[M * N + g] == kGuard);
        CHECK(O[M * N + g] == kGuard);
      }
    }
  }
  CHECK(ran >= 4);  // scalar and sse2 exist on every x86-64; plain loops elsewhere
  std::printf("    in use: %s\n", attn_cpu::simd_variant());
}
