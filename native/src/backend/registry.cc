#include "backend/registry.h"

#include <fstream>

#include "core/threadpool.h"

#if defined(TSR_WITH_CUDA) && __has_include("backend/cuda/cuda_backend.h")
#include "backend/cuda/cuda_backend.h"
#define TSR_HAVE_CUDA_BACKEND 1
#else
#define TSR_HAVE_CUDA_BACKEND 0
#endif

namespace tsr {

bool cuda_backend_compiled() { return TSR_HAVE_CUDA_BACKEND != 0; }

std::string cpu_model_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto begin = line.find_first_not_of(" \t", colon + 1);
        if (begin != std::string::npos) return line.substr(begin);
      }
    }
  }
  return "CPU";
}

namespace {

StatusOr<CreatedBackend> create_cpu(int num_threads, std::string reason) {
  if (num_threads != kKeepThreadPool) set_default_pool_threads(num_threads);
  CreatedBackend out;
  out.backend = make_cpu_backend();
  if (!out.backend) return Error(Code::Internal, "the CPU backend could not be created");
  out.device.name = cpu_model_name();
  out.device.num_threads = default_pool().size();
  out.fallback_reason = std::move(reason);
  return out;
}

// Tries the CUDA backend; on failure returns the reason for the fallback message.
StatusOr<CreatedBackend> create_cuda(int device_index, CudaPath path) {
#if TSR_HAVE_CUDA_BACKEND
  CreatedBackend out;
  TSR_ASSIGN_OR_RETURN(out.backend, make_cuda_backend(device_index, path, &out.device));
  return out;
#else
  (void)device_index;
  (void)path;
  return Error(Code::Unsupported, "CUDA backend not built");
#endif
}

}  // namespace

StatusOr<CreatedBackend> create_backend(BackendKind kind, int device_index, int num_threads,
                                        CudaPath cuda_path) {
  if (device_index < 0) return Error(Code::InvalidArgument, "device_index must be >= 0, got %d", device_index);
  if (num_threads < 0 && num_threads != kKeepThreadPool)
    return Error(Code::InvalidArgument, "num_threads must be >= 0, got %d", num_threads);
  switch (kind) {
    case BackendKind::Cpu:
      return create_cpu(num_threads, "");
    case BackendKind::Auto:
    case BackendKind::Cuda: {
      auto cuda = create_cuda(device_index, cuda_path);
      if (cuda.ok()) {
        if (num_threads > 0) set_default_pool_threads(num_threads);
        cuda->device.num_threads = default_pool().size();
        return cuda;
      }
      return create_cpu(num_threads, cuda.status().message());
    }
  }
  return Error(Code::InvalidArgument, "unknown backend kind %d", int(kind));
}

}  // namespace tsr
