// CUDA error codes -> Status (host-only; usable from .cc and .cu files).
#pragma once

#include <cuda_runtime.h>

#include "core/status.h"

namespace tsr::cuda {

inline Status cuda_status(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return OkStatus();
  Code code = (e == cudaErrorMemoryAllocation) ? Code::OutOfMemory : Code::Backend;
  return Error(code, "%s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
}

// Checks the launch that just happened (configuration errors surface here; faults inside
// the kernel surface at the next synchronising call).
inline Status check_launch(const char* kernel) { return cuda_status(cudaGetLastError(), kernel); }

}  // namespace tsr::cuda
