#include "backend/cuda/memory_pool.h"

#include <vector>

namespace tsr::cuda {

MemoryPool::~MemoryPool() { release_cached(); }

size_t MemoryPool::round_size(size_t bytes) {
  if (bytes < (1u << 20)) return (bytes + 511) / 512 * 512;         // small: 512 B steps
  return (bytes + (2u << 20) - 1) / (2u << 20) * (2u << 20);       // large: 2 MiB steps
}

StatusOr<std::shared_ptr<void>> MemoryPool::allocate(size_t bytes) {
  size_t size = round_size(bytes ? bytes : 1);
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Best fit among cached blocks no more than 2x larger (limits waste).
    auto it = free_.lower_bound(size);
    if (it != free_.end() && it->first <= size * 2) {
      size = it->first;
      p = it->second;
      free_.erase(it);
    }
  }
  if (!p) {
    cudaSetDevice(device_);
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear the sticky-free allocation error
      release_cached();
      e = cudaMalloc(&p, size);
    }
    if (e != cudaSuccess) {
      cudaGetLastError();
      return Error(e == cudaErrorMemoryAllocation ? Code::OutOfMemory : Code::Backend,
                   "cudaMalloc of %.1f MiB failed: %s (in use %.1f MiB)", size / 1048576.0,
                   cudaGetErrorString(e), in_use_ / 1048576.0);
    }
    std::lock_guard<std::mutex> lock(mu_);
    reserved_ += size;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_use_ += size;
    if (in_use_ > peak_) peak_ = in_use_;
  }
  std::weak_ptr<MemoryPool> weak = weak_from_this();
  return std::shared_ptr<void>(p, [weak, size](void* q) {
    if (auto pool = weak.lock()) pool->give_back(q, size);
    else cudaFree(q);
  });
}

void MemoryPool::give_back(void* p, size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  in_use_ -= bytes;
  free_.emplace(bytes, p);
}

void MemoryPool::release_cached() {
  std::vector<std::pair<size_t, void*>> blocks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    blocks.assign(free_.begin(), free_.end());
    free_.clear();
  }
  if (blocks.empty()) return;
  cudaSetDevice(device_);
  cudaDeviceSynchronize();  // blocks may still be read by queued kernels
  for (auto& [size, p] : blocks) {
    cudaFree(p);
    std::lock_guard<std::mutex> lock(mu_);
    reserved_ -= size;
  }
}

}  // namespace tsr::cuda
