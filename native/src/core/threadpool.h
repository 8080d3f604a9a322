// A fixed pool of worker threads for the CPU backend. parallel_for splits [0, n) into
// contiguous chunks; the calling thread takes part, so nested calls run serially instead
// of deadlocking.
#pragma once

#include <cstdint>
#include <functional>

namespace tsr {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);  // 0 = hardware concurrency
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const;
  // Calls fn(begin, end) on disjoint chunks covering [0, n); each chunk has at least `grain`
  // items (except the last). Returns when all chunks are done.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  struct Impl;
  Impl* impl_;
};

// Process-wide pool used by the CPU backend and host-side helpers.
ThreadPool& default_pool();
void set_default_pool_threads(int num_threads);

}  // namespace tsr
