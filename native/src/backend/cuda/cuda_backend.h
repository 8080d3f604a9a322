// The CUDA backend: bf16 GEMMs and attention with fp32 accumulation, fp32 residual stream,
// norms, modulation and head (spec/wan21.md §3.7). Built when nvcc is present; the library
// still loads on machines without a GPU or driver (cuda_probe reports why).
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "backend/registry.h"

namespace tsr {

// CudaPath (registry.h): Auto = Hopper kernels on sm_90 and portable ones elsewhere;
// Portable = the sm_80 code path everywhere (how the consumer-GPU path is tested on H100).

struct CudaProbe {
  bool usable = false;
  std::string reason;   // why not usable: no driver, no device, compute capability < 8.0
  std::string name;     // device name
  int compute_capability = 0;
  uint64_t total_memory = 0, free_memory = 0;
};

// Queries the driver for `device` without creating a backend. Never throws or aborts.
CudaProbe cuda_probe(int device);

// Creates the backend on `device` and describes it in *desc (may be null); errors (no driver,
// no device, compute capability below 8.0, OOM creating handles) as Status.
StatusOr<std::unique_ptr<Backend>> make_cuda_backend(int device, CudaPath path, DeviceDescription* desc = nullptr);

}  // namespace tsr
