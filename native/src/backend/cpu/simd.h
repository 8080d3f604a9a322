// Small helpers shared by the CPU ops: function multiversioning and vectorisable math.
//
// Binaries ship to unknown CPUs, so nothing is built with -march=native. Hot loops are
// written as plain contiguous loops over __restrict pointers and marked TSR_CLONES, which
// makes GCC/Clang emit AVX-512, AVX2+FMA and baseline versions chosen at load time (ifunc).
// Where multiversioning is unavailable (non-ELF targets, other compilers) the macro is empty
// and the baseline build is used.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__) && !defined(__clang__)
#define TSR_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#elif defined(__x86_64__) && defined(__clang__) && defined(__ELF__)
#define TSR_CLONES __attribute__((target_clones("avx512f", "avx2,fma", "default")))
#else
#define TSR_CLONES
#endif

#define TSR_INLINE inline __attribute__((always_inline))

namespace tsr::cpu {

// Sums of many floats use 16 independent partial sums: the loop vectorises without
// -ffast-math, and the error grows like a pairwise sum instead of a serial one.
constexpr int kLanes = 16;

TSR_INLINE float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Σ x[i], Σ x[i]², Σ (x[i] - c)² over contiguous floats in kLanes partial sums.
TSR_INLINE float sum_f32(const float* __restrict x, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l];
  float s = 0;
  for (; i < n; ++i) s += x[i];
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

TSR_INLINE float sum_sq_dev_f32(const float* __restrict x, int64_t n, float c) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      float d = x[i + l] - c;
      acc[l] += d * d;
    }
  float s = 0;
  for (; i < n; ++i) s += (x[i] - c) * (x[i] - c);
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

// exp(x) in float32 to about 1 ulp, branch-free so it vectorises. Range reduction
// x = n·ln2 + r with ln2 split in two parts (the high part has few bits, so n·hi is exact),
// then the Taylor series of e^r to degree 7 on |r| <= ln2/2 (truncation < 1e-8 relative) and
// 2^n from the exponent bits. n is rounded with the 1.5·2^23 trick, which needs no SSE4.1.
// Inputs are clamped to [-87, 88] (so n stays in the normal exponent range); NaN passes through.
TSR_INLINE float exp_f32(float x) {
  const float kLog2e = 1.44269504088896341f;
  const float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const float kRound = 12582912.0f;  // 1.5 * 2^23
  float xc = x > 88.0f ? 88.0f : x;  // e^88 < FLT_MAX; callers only need sigmoids
  xc = xc < -87.0f ? -87.0f : xc;
  float n = (xc * kLog2e + kRound) - kRound;
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  float scale = bits_to_float(uint32_t(int32_t(n) + 127) << 23);
  float y = p * scale;
  return x != x ? x : y;
}

// x · sigmoid(x)
TSR_INLINE float silu_f32(float x) { return x / (1.0f + exp_f32(-x)); }

// 0.5·x·(1 + tanh(u)), u = sqrt(2/π)(x + 0.044715x³), written as x·sigmoid(2u), which is the
// same function and avoids a tanh call.
TSR_INLINE float gelu_tanh_f32(float x) {
  const float k2 = 2.0f * 0.7978845608028654f;
  float u2 = k2 * (x + 0.044715f * x * x * x);
  return x / (1.0f + exp_f32(-u2));
}

}  // namespace tsr::cpu
