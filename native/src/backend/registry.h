// Chooses and creates the backend an engine runs on.
//
// CUDA hook: when the CUDA backend exists it provides "backend/cuda/cuda_backend.h" declaring
//
//   StatusOr<std::unique_ptr<Backend>> make_cuda_backend(int device_index, CudaPath path,
//                                                        DeviceDescription* desc);
//
// (errors: Backend/Unsupported with a message saying why, e.g. no driver, no device, compute
// capability below 8.0). registry.cc includes that header when it is present
// (__has_include), so a build with TSR_WITH_CUDA but without the backend still links and falls
// back to the CPU with the reason "CUDA backend not built".
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "core/status.h"

namespace tsr {

enum class BackendKind { Auto = 0, Cpu = 1, Cuda = 2 };           // = tsr_backend_kind
enum class CudaPath { Auto = 0, Portable = 1, Hopper = 2 };       // = tsr_cuda_path

// What the engine reports about the device (tsr_engine_info).
struct DeviceDescription {
  std::string name;            // "NVIDIA H100 80GB HBM3" or the CPU model
  int compute_capability = 0;  // e.g. 90; 0 on the CPU
  int num_threads = 0;         // CPU worker threads
};

constexpr int kKeepThreadPool = -1;

struct CreatedBackend {
  std::unique_ptr<Backend> backend;
  DeviceDescription device;
  std::string fallback_reason;  // non-empty when Auto/Cuda ended up on the CPU
};

// num_threads: CPU threads for the process-wide pool (0 = all cores, kKeepThreadPool = leave
// the pool as it is: resizing it while another engine runs would pull it from under that job).
// Auto: CUDA when it can be created, else the CPU with the reason. Cuda: the same fallback
// (the reason tells the user why their GPU is not used). Cpu: always the CPU.
StatusOr<CreatedBackend> create_backend(BackendKind kind, int device_index, int num_threads,
                                        CudaPath cuda_path);

// True when this build contains a CUDA backend.
bool cuda_backend_compiled();

// "Intel(R) Xeon(R) ..." from /proc/cpuinfo, or "CPU".
std::string cpu_model_name();

}  // namespace tsr
