// Caching device allocator: freed blocks are kept in size-keyed free lists and reused in
// stream order (one stream per backend), so a denoising step allocates nothing new after
// the first. Tracks bytes in use and the high-water mark for the memory report.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "core/status.h"

namespace tsr::cuda {

class MemoryPool : public std::enable_shared_from_this<MemoryPool> {
 public:
  explicit MemoryPool(int device) : device_(device) {}
  ~MemoryPool();

  // Device pointer of at least `bytes` (256-byte aligned), owned by the returned handle:
  // dropping the last reference returns the block to the pool. Null with OutOfMemory after
  // one retry that releases every cached block.
  StatusOr<std::shared_ptr<void>> allocate(size_t bytes);
  void release_cached();  // gives cached free blocks back to the driver

  uint64_t in_use() const { return in_use_; }
  uint64_t peak() const { return peak_; }
  uint64_t reserved() const { return reserved_; }
  void reset_peak() { peak_ = in_use_; }

 private:
  void give_back(void* p, size_t bytes);
  static size_t round_size(size_t bytes);

  int device_;
  std::mutex mu_;
  std::multimap<size_t, void*> free_;  // rounded size -> block
  uint64_t in_use_ = 0, peak_ = 0, reserved_ = 0;
};

}  // namespace tsr::cuda
