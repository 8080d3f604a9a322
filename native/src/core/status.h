// Status codes travel from every engine function up to the C API and become typed
// EngineErrors in JavaScript. Library code never exits or aborts: a bad file or a
// device fault must not take the host process down.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "tessera.h"

namespace tsr {

// Same numbering as the C API (tessera.h), so conversion is a cast.
enum class Code : int {
  Ok = TSR_OK,
  InvalidArgument = TSR_E_INVALID_ARGUMENT,
  NotFound = TSR_E_NOT_FOUND,
  Io = TSR_E_IO,
  CorruptFile = TSR_E_CORRUPT_FILE,
  UnsupportedDtype = TSR_E_UNSUPPORTED_DTYPE,
  ShapeMismatch = TSR_E_SHAPE_MISMATCH,
  MissingKey = TSR_E_MISSING_KEY,
  UnexpectedKey = TSR_E_UNEXPECTED_KEY,
  InvalidSize = TSR_E_INVALID_SIZE,
  OutOfMemory = TSR_E_OUT_OF_MEMORY,
  Cancelled = TSR_E_CANCELLED,
  Backend = TSR_E_BACKEND,
  Unsupported = TSR_E_UNSUPPORTED,
  Internal = TSR_E_INTERNAL,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok_status() { return {}; }

  bool ok() const { return code_ == Code::Ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CORRUPT_FILE: header length 9e12 exceeds file size 1024"
  std::string to_string() const;

  // Prefix context while the error travels up ("loading vae: ...").
  Status with_context(const std::string& what) const {
    return ok() ? *this : Status(code_, what + ": " + message_);
  }

 private:
  Code code_ = Code::Ok;
  std::string message_;
};

inline Status OkStatus() { return {}; }
Status Error(Code code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// A value or the error that prevented it.
template <class T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : v_(std::move(status)) {
    if (std::get<Status>(v_).ok()) v_ = Status(Code::Internal, "StatusOr built from an ok Status");
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

const char* code_name(Code code);  // stable string, e.g. "CORRUPT_FILE"

}  // namespace tsr

#define TSR_CONCAT_INNER(a, b) a##b
#define TSR_CONCAT(a, b) TSR_CONCAT_INNER(a, b)

#define TSR_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::tsr::Status _tsr_st = (expr);            \
    if (!_tsr_st.ok()) return _tsr_st;         \
  } while (0)

#define TSR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// TSR_ASSIGN_OR_RETURN(auto x, LoadThing());
#define TSR_ASSIGN_OR_RETURN(lhs, expr) \
  TSR_ASSIGN_OR_RETURN_IMPL(TSR_CONCAT(_tsr_so_, __LINE__), lhs, expr)
