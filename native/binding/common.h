// Shared by every binding file: node-addon-api with C++ exceptions (conversion errors thrown on the
// JS thread become JS exceptions) and the engine's C API. The binding uses only tessera.h.
#pragma once

#ifndef NAPI_CPP_EXCEPTIONS
#define NAPI_CPP_EXCEPTIONS
#endif
#include <napi.h>

#include <string>

#include "tessera.h"

namespace tsr_node {

// An error from the engine, carried from a worker thread to the JS thread.
struct NativeError {
  tsr_code code = TSR_OK;
  std::string message;
};

NativeError from_tsr_error(tsr_code code, const tsr_error& err);

// A JS Error with `code` set to the stable name (tsr_code_name), e.g. "CORRUPT_FILE".
Napi::Error make_error(Napi::Env env, const NativeError& e);

// Throws (as a JS TypeError with code INVALID_ARGUMENT) for bad arguments on the JS thread.
[[noreturn]] void throw_invalid(Napi::Env env, const std::string& message);

}  // namespace tsr_node
