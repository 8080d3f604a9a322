#include "attention/cpu_kernels.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

// The engine builds for baseline x86-64. On x86-64 with GCC/Clang the register-tiled GEMM is
// written with vector extensions and compiled three times (AVX-512, AVX2+FMA, SSE2), picked
// once at run time; elsewhere a plain loop nest is used.
#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__)
#define TSR_ATTN_X86_SIMD 1
#else
#define TSR_ATTN_X86_SIMD 0
#endif

namespace tsr::attn_cpu {
namespace {

// exp(x) for x <= 0 without a libm call so that the softmax loop vectorises: 2^n · p(r)
// with n = round(x·log2 e) and a degree-7 Taylor polynomial on |r| <= ln2/2 (relative
// error ~3e-9 before float rounding). Inputs below -87 flush to 0, which is what a
// float32 softmax gives for such terms anyway.
inline float exp_nonpos(float x) {
  const float kLog2e = 1.44269504088896341f;
  const float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  const float kRound = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
  float xc = x < -87.0f ? -87.0f : x;
  float t = xc * kLog2e + kRound;
  float n = t - kRound;
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  float y = p * scale;
  return x < -87.0f ? 0.0f : y;
}

// Softmax body, inlined into each ISA variant below so its loops vectorise for that ISA.
[[gnu::always_inline]] inline void softmax_body(float* __restrict S, int rows_p, int keys, int keys_p,
                                                float* __restrict m, float* __restrict l,
                                                float* __restrict O, int dv_p) {
  const float kNegInf = -std::numeric_limits<float>::infinity();
  constexpr int kLanes = 16;
  for (int i = 0; i < rows_p; ++i) {
    float* s = S + int64_t(i) * keys_p;
    for (int j = keys; j < keys_p; ++j) s[j] = kNegInf;  // padded keys get probability 0
    // Reductions over lanes: float max/sum do not vectorise without reassociation.
    float part[kLanes];
    for (int x = 0; x < kLanes; ++x) part[x] = m[i];
    for (int j = 0; j < keys_p; j += kLanes)
      for (int x = 0; x < kLanes; ++x) part[x] = s[j + x] > part[x] ? s[j + x] : part[x];
    float mx = part[0];
    for (int x = 1; x < kLanes; ++x) mx = part[x] > mx ? part[x] : mx;
    // m starts at -inf; every block has at least one real key, so mx is finite here.
    float alpha = exp_nonpos(m[i] - mx);
    for (int x = 0; x < kLanes; ++x) part[x] = 0;
    for (int j = 0; j < keys_p; j += kLanes)
      for (int x = 0; x < kLanes; ++x) {
        float p = exp_nonpos(s[j + x] - mx);
        s[j + x] = p;
        part[x] += p;
      }
    float sum = 0;
    for (int x = 0; x < kLanes; ++x) sum += part[x];
    m[i] = mx;
    l[i] = l[i] * alpha + sum;
    float* o = O + int64_t(i) * dv_p;
    for (int c = 0; c < dv_p; ++c) o[c] *= alpha;
  }
}

// Portable loop nest (any compiler); also the reference the SIMD variants must match.
void gemm_plain(const float* A, int lda, const float* B, int ldb, float* C, int ldc, int M, int N,
                int K, bool accumulate) {
  for (int i = 0; i < M; ++i) {
    float* c = C + int64_t(i) * ldc;
    if (!accumulate)
      for (int j = 0; j < N; ++j) c[j] = 0;
    for (int k = 0; k < K; ++k) {
      float a = A[int64_t(i) * lda + k];
      const float* b = B + int64_t(k) * ldb;
      for (int j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

#if TSR_ATTN_X86_SIMD
// Vector values never cross a non-inlined call boundary, so the psABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));

template <class V>
[[gnu::always_inline]] inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
template <class V>
[[gnu::always_inline]] inline void store(float* p, V v) {
  std::memcpy(p, &v, sizeof(V));
}

// Register tile of R rows x NV vectors of W lanes: R·NV accumulators stay in registers while
// K streams; A is broadcast one scalar per row, B loaded NV vectors per k.
template <class V, int W, int R, int NV>
[[gnu::always_inline]] inline void gemm_tiled(const float* __restrict A, int lda,
                                              const float* __restrict B, int ldb, float* __restrict C,
                                              int ldc, int M, int N, int K, bool accumulate) {
  // Column panels outermost: the B panel (K x W·NV) stays in L1 while the row tiles of A pass.
  for (int j = 0; j < N; j += W * NV) {
    for (int i = 0; i < M; i += R) {
      V acc[R][NV];
      for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v)
          acc[r][v] = accumulate ? load<V>(C + int64_t(i + r) * ldc + j + v * W) : V{};
      const float* a = A + int64_t(i) * lda;
      const float* b = B + j;
      for (int k = 0; k < K; ++k, b += ldb) {
        V bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = load<V>(b + v * W);
        for (int r = 0; r < R; ++r) {
          float s = a[int64_t(r) * lda + k];
          for (int v = 0; v < NV; ++v) acc[r][v] += s * bv[v];
        }
      }
      for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) store<V>(C + int64_t(i + r) * ldc + j + v * W, acc[r][v]);
    }
  }
}

// AVX-512: 8x32 tile = 16 zmm accumulators. AVX2: 4x16 = 8 ymm. SSE2: 4x8 = 8 xmm.
__attribute__((target("arch=x86-64-v4"))) void gemm_avx512(const float* A, int lda, const float* B,
                                                            int ldb, float* C, int ldc, int M, int N,
                                                            int K, bool acc) {
  gemm_tiled<v16f, 16, 8, 2>(A, lda, B, ldb, C, ldc, M, N, K, acc);
}
__attribute__((target("arch=x86-64-v3"))) void gemm_avx2(const float* A, int lda, const float* B,
                                                          int ldb, float* C, int ldc, int M, int N,
                                                          int K, bool acc) {
  gemm_tiled<v8f, 8, 4, 2>(A, lda, B, ldb, C, ldc, M, N, K, acc);
}
void gemm_sse2(const float* A, int lda, const float* B, int ldb, float* C, int ldc, int M, int N, int K,
               bool acc) {
  gemm_tiled<v4f, 4, 4, 2>(A, lda, B, ldb, C, ldc, M, N, K, acc);
}

__attribute__((target("arch=x86-64-v4"))) void softmax_avx512(float* S, int rows_p, int keys,
                                                               int keys_p, float* m, float* l,
                                                               float* O, int dv_p) {
  softmax_body(S, rows_p, keys, keys_p, m, l, O, dv_p);
}
__attribute__((target("arch=x86-64-v3"))) void softmax_avx2(float* S, int rows_p, int keys, int keys_p,
                                                             float* m, float* l, float* O, int dv_p) {
  softmax_body(S, rows_p, keys, keys_p, m, l, O, dv_p);
}
#endif

void softmax_plain(float* S, int rows_p, int keys, int keys_p, float* m, float* l, float* O, int dv_p) {
  softmax_body(S, rows_p, keys, keys_p, m, l, O, dv_p);
}

using GemmFn = void (*)(const float*, int, const float*, int, float*, int, int, int, int, bool);
using SoftmaxFn = void (*)(float*, int, int, int, float*, float*, float*, int);

struct Kernels {
  GemmFn gemm = gemm_plain;
  SoftmaxFn softmax = softmax_plain;
  const char* name = "scalar";
};

Kernels pick_kernels() {
  Kernels k;
#if TSR_ATTN_X86_SIMD
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) {
    k = {gemm_avx512, softmax_avx512, "avx512"};
  } else if (__builtin_cpu_supports("x86-64-v3")) {
    k = {gemm_avx2, softmax_avx2, "avx2"};
  } else {
    k = {gemm_sse2, softmax_plain, "sse2"};
  }
#endif
  return k;
}

const Kernels& kernels() {
  static const Kernels k = pick_kernels();
  return k;
}

}  // namespace

void gemm_block(const float* A, int lda, const float* B, int ldb, float* C, int ldc, int M, int N,
                int K, bool accumulate) {
  kernels().gemm(A, lda, B, ldb, C, ldc, M, N, K, accumulate);
}

void softmax_update(float* S, int rows_p, int keys, int keys_p, float* m, float* l, float* O,
                    int dv_p) {
  kernels().softmax(S, rows_p, keys, keys_p, m, l, O, dv_p);
}

const char* simd_variant() { return kernels().name; }

bool run_variant(const char* variant, const float* A, int lda, const float* B, int ldb, float* C,
                 int ldc, int M, int N, int K, bool accumulate, float* S, int rows_p, int keys,
                 int keys_p, float* m, float* l, float* O, int dv_p) {
  std::string v = variant;
  GemmFn g = nullptr;
  SoftmaxFn sm = nullptr;
  if (v == "scalar") {
    g = gemm_plain;
    sm = softmax_plain;
  }
#if TSR_ATTN_X86_SIMD
  __builtin_cpu_init();
  if (v == "sse2") {
    g = gemm_sse2;
    sm = softmax_plain;
  } else if (v == "avx2" && __builtin_cpu_supports("x86-64-v3")) {
    g = gemm_avx2;
    sm = softmax_avx2;
  } else if (v == "avx512" && __builtin_cpu_supports("x86-64-v4")) {
    g = gemm_avx512;
    sm = softmax_avx512;
  }
#endif
  if (!g) return false;
  g(A, lda, B, ldb, C, ldc, M, N, K, accumulate);
  sm(S, rows_p, keys, keys_p, m, l, O, dv_p);
  return true;
}

}  // namespace tsr::attn_cpu
