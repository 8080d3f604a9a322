// Engine errors -> JS Error objects with a stable `code`.
#include "common.h"

namespace tsr_node {

NativeError from_tsr_error(tsr_code code, const tsr_error& err) {
  NativeError e;
  e.code = code;
  e.message = err.message[0] != '\0' ? std::string(err.message) : std::string(tsr_code_name(code));
  return e;
}

Napi::Error make_error(Napi::Env env, const NativeError& e) {
  Napi::Error err = Napi::Error::New(env, e.message);
  err.Value().Set("code", Napi::String::New(env, tsr_code_name(e.code)));
  return err;
}

void throw_invalid(Napi::Env env, const std::string& message) {
  Napi::TypeError err = Napi::TypeError::New(env, message);
  err.Value().Set("code", Napi::String::New(env, tsr_code_name(TSR_E_INVALID_ARGUMENT)));
  throw err;
}

}  // namespace tsr_node
