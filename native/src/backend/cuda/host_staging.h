// Host-to-device copies through pinned staging buffers. A copy from pageable memory runs at a
// fraction of the bus rate and, done with cudaMemcpyAsync, forces a stream synchronisation
// (the caller may free its buffer), so a layer-by-layer weight upload (the streamed umT5)
// stalled the device on every matrix. Here the source is copied (by the thread pool) into one
// of two pinned buffers while the other's DMA runs, and the call returns as soon as the last
// chunk is staged: the caller may free its memory and the device is never drained.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "core/status.h"

namespace tsr::cuda {

class HostStager {
 public:
  HostStager() = default;
  ~HostStager();
  HostStager(const HostStager&) = delete;
  HostStager& operator=(const HostStager&) = delete;

  // Copies `bytes` from host `src` to device `dst` in stream order on `stream`. Falls back to a
  // synchronous pageable copy when pinned memory cannot be had.
  Status copy(void* dst, const void* src, size_t bytes, cudaStream_t stream);

 private:
  static constexpr int kBuffers = 2;
  static constexpr size_t kChunk = size_t(64) << 20;
  void ensure_buffers();  // on failure sets pinned_failed_ (copies then go pageable)

  void* buf_[kBuffers] = {};
  cudaEvent_t done_[kBuffers] = {};
  bool pinned_failed_ = false;
  int next_ = 0;
};

}  // namespace tsr::cuda
