// The CPU backend: float32 everywhere, threads from default_pool(). Each op's member
// functions live in the file named for the op (gemm.cc, norms.cc, rope.cc, ...); this header
// only declares the class and the checks every op shares.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "core/threadpool.h"

namespace tsr::cpu {

// Bytes allocated through one backend, and a cache of freed large blocks. Shared with the
// deleters of the tensors it hands out, so a tensor that outlives its backend still returns
// its bytes to a live counter. (memory.cc)
//
// Large blocks come straight from mmap and would be page-faulted in again on every op (a
// fresh 46 MB output cost 5x the add that fills it), so freed blocks of 1 MiB and more are
// kept for reuse, up to a cap; they are released when an allocation would not fit otherwise.
struct MemCounter {
  std::atomic<uint64_t> in_use{0};  // bytes of live tensors
  std::atomic<uint64_t> peak{0};
  std::atomic<uint64_t> limit{0};  // 0 = host RAM total
  void add(uint64_t n);
  void sub(uint64_t n) { in_use.fetch_sub(n); }

  // Block cache: exact capacities (blocks are rounded up to 64 KiB).
  void* take(uint64_t bytes);            // a cached block of `bytes`, or null
  bool give(void* p, uint64_t bytes);    // keeps p for reuse; false: the caller frees it
  void trim();                           // frees every cached block
  uint64_t cached();
  ~MemCounter() { trim(); }

 private:
  std::mutex mu_;
  std::vector<std::pair<uint64_t, void*>> blocks_;
  uint64_t cached_ = 0;
};

class CpuBackend final : public Backend {
 public:
  CpuBackend();

  const char* name() const override { return "cpu"; }
  DeviceKind device() const override { return DeviceKind::Cpu; }

  // memory.cc
  Tensor upload(const Tensor& host, WeightKind kind) override;
  Tensor from_host(const Tensor& host) override;
  Tensor to_host(const Tensor& t) override;
  Tensor empty(const Shape& shape) override;
  MemoryStats memory() const override;
  void reset_peak() override;

  // linear.cc
  Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b, Act act) override;
  void linear_residual_(Tensor& res, const Tensor& x, const Tensor& w, const Tensor* b,
                        const Tensor* gate) override;

  // norms.cc
  Tensor layer_norm(const Tensor& x, const Tensor* w, const Tensor* b, float eps) override;
  Tensor layer_norm_modulate(const Tensor& x, const Tensor& shift, const Tensor& scale,
                             float eps) override;
  Tensor rms_norm(const Tensor& x, const Tensor& w, float eps) override;
  Tensor rms_norm_channels(const Tensor& x, const Tensor& gamma) override;

  // rope.cc, cpu_backend.cc (attention delegates to attention/cpu_attention)
  void rope3d_(Tensor& x, int heads, int head_dim, const int grid[3]) override;
  Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttnSpec& spec) override;

  // elementwise.cc
  Tensor unary(const Tensor& x, Act act) override;
  Tensor add(const Tensor& a, const Tensor& b) override;
  Tensor mul(const Tensor& a, const Tensor& b) override;
  void add_gated_(Tensor& res, const Tensor& y, const Tensor* gate) override;
  Tensor clamp(const Tensor& x, float lo, float hi) override;

  // embedding.cc, permute.cc, concat_slice.cc
  Tensor embedding(const Tensor& table, const std::vector<int32_t>& ids) override;
  Tensor permute(const Tensor& x, const std::vector<int>& perm) override;
  Tensor concat(const std::vector<Tensor>& parts, int dim) override;
  Tensor slice(const Tensor& x, int dim, int64_t begin, int64_t end) override;

  // conv3d.cc, upsample.cc
  Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor* b, const Conv3dSpec& spec) override;
  Tensor upsample2x(const Tensor& x) override;

  // ---- helpers shared by the op files
  // Accounted float32 allocation; records InvalidSize / OutOfMemory and returns undefined.
  Tensor alloc(const Shape& shape, const char* op);
  // True when `t` is a float32 CPU tensor with storage (or empty); otherwise records an
  // error naming `op` and `what`. Callers check definedness first.
  bool check_f32(const Tensor& t, const char* op, const char* what);
  // Optional vector operand of `n` floats (bias, gain, gate): null is fine; a tensor must be
  // defined, float32 and have exactly n elements.
  bool check_vec(const Tensor* t, int64_t n, const char* op, const char* what);
  ThreadPool& pool() const { return default_pool(); }

  // Test hook: allocations beyond `bytes` in use fail with OutOfMemory (0 = host RAM).
  void set_memory_limit(uint64_t bytes) { mem_->limit = bytes; }

 private:
  std::shared_ptr<MemCounter> mem_;
};

}  // namespace tsr::cpu
