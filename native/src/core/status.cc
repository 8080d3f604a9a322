#include "core/status.h"

#include <cstdarg>
#include <cstdio>

namespace tsr {

const char* code_name(Code code) { return tsr_code_name(static_cast<tsr_code>(code)); }

std::string Status::to_string() const {
  if (ok()) return "OK";
  return std::string(code_name(code_)) + ": " + message_;
}

Status Error(Code code, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return Status(code, buf);
}

}  // namespace tsr

extern "C" const char* tsr_code_name(tsr_code code) {
  switch (code) {
    case TSR_OK: return "OK";
    case TSR_E_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case TSR_E_NOT_FOUND: return "NOT_FOUND";
    case TSR_E_IO: return "IO_ERROR";
    case TSR_E_CORRUPT_FILE: return "CORRUPT_FILE";
    case TSR_E_UNSUPPORTED_DTYPE: return "UNSUPPORTED_DTYPE";
    case TSR_E_SHAPE_MISMATCH: return "SHAPE_MISMATCH";
    case TSR_E_MISSING_KEY: return "MISSING_KEY";
    case TSR_E_UNEXPECTED_KEY: return "UNEXPECTED_KEY";
    case TSR_E_INVALID_SIZE: return "INVALID_SIZE";
    case TSR_E_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case TSR_E_CANCELLED: return "CANCELLED";
    case TSR_E_BACKEND: return "BACKEND_ERROR";
    case TSR_E_UNSUPPORTED: return "UNSUPPORTED";
    case TSR_E_INTERNAL: return "INTERNAL";
  }
  return "UNKNOWN";
}
