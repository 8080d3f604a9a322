// WeightBinder: each take() checks presence, shape and dtype before uploading, so a wrong
// checkpoint fails with the first problem named precisely instead of a crash mid-forward.
#include <string>

#include "io/weights.h"

namespace tsr {

WeightBinder::WeightBinder(const WeightStore& store, Backend& backend, std::string component)
    : store_(store), backend_(backend), component_(std::move(component)) {}

Tensor WeightBinder::take_host(const std::string& name, const Shape& expected) {
  if (!store_.has(name)) {
    if (first_error_.ok())
      first_error_ = Error(Code::MissingKey, "%s: checkpoint has no tensor %s (expected shape %s)", component_.c_str(),
                           name.c_str(), shape_str(expected).c_str());
    return Tensor();
  }
  const bool first_take = taken_.insert(name).second;
  // After the first problem nothing more is uploaded: the load fails anyway.
  if (!first_error_.ok()) return Tensor();

  auto info = store_.info(name);
  if (!info.ok()) {
    first_error_ = info.status().with_context(component_);
    return Tensor();
  }
  if (info->shape != expected) {
    first_error_ = Error(Code::ShapeMismatch, "%s: %s has shape %s, expected %s", component_.c_str(), name.c_str(),
                         shape_str(info->shape).c_str(), shape_str(expected).c_str());
    return Tensor();
  }
  if (info->dtype != DType::F32 && info->dtype != DType::BF16 && info->dtype != DType::F16) {
    first_error_ = Error(Code::UnsupportedDtype, "%s: %s is %s; weights must be f32, bf16 or f16", component_.c_str(),
                         name.c_str(), dtype_name(info->dtype));
    return Tensor();
  }
  auto host = store_.get(name);
  if (!host.ok()) {
    first_error_ = host.status().with_context(component_);
    return Tensor();
  }
  if (first_take) params_ += uint64_t(host->numel());
  return *host;
}

Tensor WeightBinder::take(const std::string& name, const Shape& expected, WeightKind kind) {
  Tensor host = take_host(name, expected);
  if (!host.defined()) return host;
  Tensor dev = backend_.upload(host, kind);
  if (!dev.defined()) {
    Status st = backend_.status();
    first_error_ = st.ok() ? Error(Code::OutOfMemory, "%s: cannot upload %s (%zu bytes)", component_.c_str(),
                                   name.c_str(), host.nbytes())
                           : st.with_context(component_ + ": uploading " + name);
    return Tensor();
  }
  return dev;
}

Tensor WeightBinder::take_optional(const std::string& name, const Shape& expected, WeightKind kind) {
  if (!store_.has(name)) return Tensor();
  return take(name, expected, kind);
}

void WeightBinder::ignore_prefix(const std::string& prefix) { ignored_prefixes_.push_back(prefix); }

Status WeightBinder::finish() const {
  if (!first_error_.ok()) return first_error_;
  std::vector<std::string> unexpected;
  for (const std::string& k : store_.keys()) {
    if (taken_.count(k)) continue;
    bool ignored = false;
    for (const std::string& p : ignored_prefixes_) ignored |= k.compare(0, p.size(), p) == 0;
    if (!ignored) unexpected.push_back(k);
  }
  if (unexpected.empty()) return OkStatus();
  std::string list;
  for (size_t i = 0; i < unexpected.size() && i < 10; ++i) list += (i ? ", " : "") + unexpected[i];
  if (unexpected.size() > 10) list += ", ... (" + std::to_string(unexpected.size() - 10) + " more)";
  return Status(Code::UnexpectedKey, component_ + ": " + std::to_string(unexpected.size()) + " tensor" +
                                         (unexpected.size() == 1 ? "" : "s") +
                                         " in the checkpoint that the model does not use: " + list);
}

}  // namespace tsr
