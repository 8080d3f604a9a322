#include "backend/cuda/host_staging.h"

#include <algorithm>
#include <cstring>

#include "backend/cuda/cuda_status.h"
#include "core/threadpool.h"

namespace tsr::cuda {

HostStager::~HostStager() {
  for (int i = 0; i < kBuffers; ++i) {
    if (done_[i]) {
      cudaEventSynchronize(done_[i]);
      cudaEventDestroy(done_[i]);
    }
    if (buf_[i]) cudaFreeHost(buf_[i]);
  }
}

void HostStager::ensure_buffers() {
  if (buf_[0] || pinned_failed_) return;
  for (int i = 0; i < kBuffers; ++i) {
    if (cudaHostAlloc(&buf_[i], kChunk, cudaHostAllocDefault) != cudaSuccess ||
        cudaEventCreateWithFlags(&done_[i], cudaEventDisableTiming) != cudaSuccess) {
      cudaGetLastError();  // a failed pinned allocation is not sticky: fall back to pageable
      pinned_failed_ = true;
      return;
    }
  }
}

Status HostStager::copy(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return OkStatus();
  ensure_buffers();
  if (pinned_failed_) {
    TSR_RETURN_IF_ERROR(cuda_status(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream), "host to device"));
    // The source is pageable memory the caller may free as soon as this returns.
    return cuda_status(cudaStreamSynchronize(stream), "host to device sync");
  }
  const char* from = static_cast<const char*>(src);
  char* to = static_cast<char*>(dst);
  for (size_t at = 0; at < bytes; at += kChunk) {
    const size_t n = std::min(kChunk, bytes - at);
    const int i = next_;
    next_ = (next_ + 1) % kBuffers;
    // The buffer's previous DMA must have finished before it is overwritten.
    TSR_RETURN_IF_ERROR(cuda_status(cudaEventSynchronize(done_[i]), "staging wait"));
    char* stage = static_cast<char*>(buf_[i]);
    default_pool().parallel_for(int64_t(n), int64_t(1) << 20, [&](int64_t b, int64_t e) {
      std::memcpy(stage + b, from + at + size_t(b), size_t(e - b));
    });
    TSR_RETURN_IF_ERROR(cuda_status(cudaMemcpyAsync(to + at, stage, n, cudaMemcpyHostToDevice, stream), "host to device"));
    TSR_RETURN_IF_ERROR(cuda_status(cudaEventRecord(done_[i], stream), "staging record"));
  }
  return OkStatus();
}

}  // namespace tsr::cuda
