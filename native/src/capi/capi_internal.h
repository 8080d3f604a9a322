// Shared pieces of the C API implementation: the opaque handles, error reporting and the
// guard that keeps every exception on this side of the boundary.
#pragma once

#include <atomic>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "backend/registry.h"
#include "core/status.h"
#include "engine/model_bundle.h"
#include "tessera.h"

// One engine = one backend. Heavy calls (load, generate, maps, calibration, fixtures) take
// run_mu: the backend's sticky error and peak counters belong to one job at a time. Models keep
// the core alive, so destroying the engine before its models is safe.
struct EngineCore {
  tsr::CreatedBackend created;
  std::mutex run_mu;
  EngineCore() { ++live(); }
  ~EngineCore() { --live(); }
  EngineCore(const EngineCore&) = delete;
  EngineCore& operator=(const EngineCore&) = delete;
  // Engines alive in the process: the CPU thread pool is shared, so only the first may size it.
  static std::atomic<int>& live() {
    static std::atomic<int> n{0};
    return n;
  }
};

struct tsr_engine {
  std::shared_ptr<EngineCore> core;
};

struct tsr_model {
  std::shared_ptr<EngineCore> core;
  std::unique_ptr<tsr::ModelBundle> bundle;
  std::string dir;
};

namespace tsr::capi {

// Copies the status into err (when given) and returns its code.
inline tsr_code report(tsr_error* err, const Status& st) {
  if (err) {
    err->code = static_cast<tsr_code>(st.code());
    std::snprintf(err->message, sizeof err->message, "%s", st.message().c_str());
  }
  return static_cast<tsr_code>(st.code());
}

// Runs fn() -> Status, converting exceptions: bad_alloc -> OUT_OF_MEMORY, anything else ->
// INTERNAL. Nothing propagates across the C boundary.
template <class Fn>
tsr_code guarded(tsr_error* err, Fn&& fn) noexcept {
  try {
    return report(err, fn());
  } catch (const std::bad_alloc&) {
    return report(err, Status(Code::OutOfMemory, "out of host memory"));
  } catch (const std::exception& e) {
    return report(err, Status(Code::Internal, std::string("unexpected error: ") + e.what()));
  } catch (...) {
    return report(err, Status(Code::Internal, "unexpected error"));
  }
}

inline Status null_arg(const char* name) {
  return Error(Code::InvalidArgument, "%s must not be NULL", name);
}

template <class T>
Status check_struct(const T* p, const char* name) {
  if (!p) return null_arg(name);
  if (p->struct_size < sizeof(T))
    return Error(Code::InvalidArgument, "%s->struct_size is %zu, expected at least %zu (set it to sizeof(%s))", name,
                 p->struct_size, sizeof(T), name);
  return OkStatus();
}

template <size_t N>
void copy_str(char (&dst)[N], const std::string& src) {
  std::snprintf(dst, N, "%s", src.c_str());
}

}  // namespace tsr::capi
