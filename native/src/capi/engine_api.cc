// tsr_engine_* and tsr_code_name's neighbours: creating the backend and describing it.
#include "capi/capi_internal.h"

using namespace tsr;
using namespace tsr::capi;

extern "C" {

TSR_API tsr_code tsr_engine_create(const tsr_engine_options* opts, tsr_engine** out, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!out) return null_arg("out");
    *out = nullptr;
    tsr_engine_options o{};
    o.struct_size = sizeof o;
    if (opts) {
      TSR_RETURN_IF_ERROR(check_struct(opts, "opts"));
      o = *opts;
    }
    if (o.backend < TSR_BACKEND_AUTO || o.backend > TSR_BACKEND_CUDA)
      return Error(Code::InvalidArgument, "unknown backend kind %d", int(o.backend));
    if (o.cuda_path < TSR_CUDA_PATH_AUTO || o.cuda_path > TSR_CUDA_PATH_HOPPER)
      return Error(Code::InvalidArgument, "unknown cuda_path %d", int(o.cuda_path));
    if (o.num_threads < 0) return Error(Code::InvalidArgument, "num_threads must be >= 0, got %d", o.num_threads);
    if (o.device_index < 0) return Error(Code::InvalidArgument, "device_index must be >= 0, got %d", o.device_index);
    auto core = std::make_shared<EngineCore>();
    // The CPU pool is process-wide: another live engine keeps its size (info reports the real one).
    const int threads = EngineCore::live() > 1 ? kKeepThreadPool : o.num_threads;
    TSR_ASSIGN_OR_RETURN(core->created, create_backend(static_cast<BackendKind>(o.backend), o.device_index, threads,
                                                       static_cast<CudaPath>(o.cuda_path)));
    *out = new tsr_engine{std::move(core)};
    return OkStatus();
  });
}

TSR_API void tsr_engine_destroy(tsr_engine* engine) { delete engine; }

TSR_API tsr_code tsr_engine_get_info(tsr_engine* engine, tsr_engine_info* out, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!engine) return null_arg("engine");
    if (!out) return null_arg("out");
    std::memset(out, 0, sizeof *out);
    const CreatedBackend& c = engine->core->created;
    copy_str(out->backend, c.backend->name());
    copy_str(out->device_name, c.device.name);
    copy_str(out->fallback_reason, c.fallback_reason);
    out->num_threads = c.device.num_threads;
    out->compute_capability = c.device.compute_capability;
    MemoryStats mem = c.backend->memory();
    out->total_memory = mem.total;
    out->free_memory = mem.free;
    out->cuda_compiled = cuda_backend_compiled() ? 1 : 0;
    return OkStatus();
  });
}

}  // extern "C"
