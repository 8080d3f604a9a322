// Helpers for the CUDA tests: skip cleanly where no GPU is present, guarded device buffers
// that catch out-of-bounds writes, bf16 rounding of host data, NaN/Inf checks.
#pragma once

#ifdef TSR_WITH_CUDA
#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "backend/cuda/cuda_backend.h"
#include "core/dtype.h"
#include "harness.h"

namespace tsr::test {

// True when a usable GPU is present; otherwise prints why the test is skipped.
inline bool have_gpu() {
  static int state = -1;
  if (state < 0) {
    CudaProbe p = cuda_probe(0);
    state = p.usable ? 1 : 0;
    if (!p.usable) std::printf("    (CUDA tests skipped: %s)\n", p.reason.c_str());
  }
  return state == 1;
}

// A device buffer of `n` elements of `elem` bytes followed by a guard region filled with a
// byte pattern; guard_intact() checks no kernel wrote past the end.
struct GuardedBuffer {
  static constexpr size_t kGuard = 4096;
  static constexpr unsigned char kByte = 0xA5;
  void* ptr = nullptr;
  size_t bytes = 0;
  GuardedBuffer(size_t n, size_t elem) : bytes(n * elem) {
    cudaMalloc(&ptr, bytes + kGuard);
    cudaMemset(ptr, 0xFF, bytes);  // poison: NaN for f32 and bf16
    cudaMemset(static_cast<char*>(ptr) + bytes, kByte, kGuard);
  }
  ~GuardedBuffer() { cudaFree(ptr); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  template <class T> T* as() const { return static_cast<T*>(ptr); }
  bool guard_intact() const {
    std::vector<unsigned char> g(kGuard);
    cudaMemcpy(g.data(), static_cast<char*>(ptr) + bytes, kGuard, cudaMemcpyDeviceToHost);
    for (unsigned char c : g)
      if (c != kByte) return false;
    return true;
  }
  void upload(const void* src) { cudaMemcpy(ptr, src, bytes, cudaMemcpyHostToDevice); }
  void download(void* dst) const { cudaMemcpy(dst, ptr, bytes, cudaMemcpyDeviceToHost); }
};

inline std::vector<uint16_t> to_bf16(const std::vector<float>& x) {
  std::vector<uint16_t> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = f32_to_bf16(x[i]);
  return y;
}
inline std::vector<float> bf16_round(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = bf16_to_f32(f32_to_bf16(x[i]));
  return y;
}
inline std::vector<float> from_bf16(const std::vector<uint16_t>& x) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = bf16_to_f32(x[i]);
  return y;
}
inline std::vector<float> randn(Rng& rng, size_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = rng.normal() * scale;
  return v;
}
inline bool all_finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}
inline double rel_err(const std::vector<float>& a, const std::vector<double>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = a[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}
inline bool cuda_ok() {
  cudaError_t e = cudaDeviceSynchronize();
  if (e != cudaSuccess) std::printf("    CUDA error: %s\n", cudaGetErrorString(e));
  return e == cudaSuccess;
}

}  // namespace tsr::test
#endif
