// Per-op GPU time accounting for the CUDA backend, on when TESSERA_PROFILE=1: each op records
// a pair of CUDA events on the backend's stream (no synchronisation in the hot path); the
// report, printed to stderr when the backend is destroyed, sums device time by op name.
// This is how a slow model is taken apart on a machine without Nsight Systems.
#pragma once

#include <cuda_runtime.h>

#include <string>
#include <vector>

namespace tsr::cuda {

class OpProfiler {
 public:
  explicit OpProfiler(cudaStream_t stream);
  ~OpProfiler();
  bool enabled() const { return enabled_; }

  class Scope {
   public:
    Scope(OpProfiler* p, const char* name);
    ~Scope();
   private:
    OpProfiler* p_;
    int index_ = -1;
  };
  Scope scope(const char* name) { return Scope(enabled_ ? this : nullptr, name); }

  // Sums recorded pairs by name into the totals and prints them (sorted) to stderr.
  void report();

 private:
  struct Pair { const char* name; cudaEvent_t start, stop; };
  cudaEvent_t take_event();
  void collect();
  cudaStream_t stream_;
  bool enabled_ = false;
  std::vector<Pair> pairs_;
  std::vector<cudaEvent_t> free_events_;
  struct Total { std::string name; double ms = 0; long calls = 0; };
  std::vector<Total> totals_;
};

}  // namespace tsr::cuda
