// Checkpoint access: memory-mapped safetensors (single or sharded via an index JSON) and
// PyTorch .pth zip archives read by a restricted unpickler. Tensors come back as host views
// in their stored dtype (F32, BF16, F16) without copying where the format allows.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "core/tensor.h"

namespace tsr {

struct TensorInfo {
  DType dtype;
  Shape shape;
};

class WeightStore {
 public:
  virtual ~WeightStore() = default;
  // Opens `path` by its format: *.safetensors, *.safetensors.index.json (shards), *.pth / *.pt.
  // Errors: NotFound, Io, CorruptFile (truncated, bad header, offsets past the end, overlapping
  // data), UnsupportedDtype.
  static StatusOr<std::shared_ptr<WeightStore>> open(const std::string& path);
  // Several files seen as one (e.g. shards listed by hand); duplicate keys are CorruptFile.
  static StatusOr<std::shared_ptr<WeightStore>> open_many(const std::vector<std::string>& paths);

  virtual std::vector<std::string> keys() const = 0;
  virtual bool has(const std::string& name) const = 0;
  virtual StatusOr<TensorInfo> info(const std::string& name) const = 0;
  // Host tensor viewing the checkpoint bytes (kept alive by the tensor's owner).
  virtual StatusOr<Tensor> get(const std::string& name) const = 0;
  // safetensors "__metadata__" strings (empty for .pth).
  virtual const std::map<std::string, std::string>& metadata() const = 0;
};

// Presents a store under other key names: `to_stored(official)` gives the stored key for an
// official Wan2.1 key (identity for the official layout; Diffusers renames, prefix stripping).
// Stored keys that no official name maps to stay visible under their stored name, so a
// WeightBinder still reports them as unexpected.
std::shared_ptr<WeightStore> renamed_store(std::shared_ptr<WeightStore> inner,
                                           std::map<std::string, std::string> official_to_stored);
// Same, also hiding stored keys that duplicate a mapped one (a tied embedding saved twice).
std::shared_ptr<WeightStore> renamed_store(std::shared_ptr<WeightStore> inner,
                                           std::map<std::string, std::string> official_to_stored,
                                           const std::vector<std::string>& hidden);

// Binds a model's parameters from a store to a backend, checking each one. Models ask for
// every tensor by its official name and expected shape; the first problem is remembered and
// reported by finish(), which also rejects keys that no one asked for.
class WeightBinder {
 public:
  WeightBinder(const WeightStore& store, Backend& backend, std::string component);
  // Tensor on the backend, or an undefined tensor after recording MissingKey / ShapeMismatch /
  // UnsupportedDtype / OutOfMemory.
  Tensor take(const std::string& name, const Shape& expected, WeightKind kind);
  // Same checks as take(), but returns the host tensor (a view of the checkpoint) instead of
  // uploading it: for weights a model streams to the device when it needs them.
  Tensor take_host(const std::string& name, const Shape& expected);
  // Like take() but a missing key is not an error (returns undefined).
  Tensor take_optional(const std::string& name, const Shape& expected, WeightKind kind);
  // Marks keys the model knowingly ignores (e.g. the encoder half of a VAE file when only
  // decoding) so they are not reported as unexpected.
  void ignore_prefix(const std::string& prefix);
  // First recorded error; else UnexpectedKey listing keys never taken or ignored.
  Status finish() const;
  uint64_t params() const { return params_; }

 private:
  const WeightStore& store_;
  Backend& backend_;
  std::string component_;
  std::set<std::string> taken_;
  std::vector<std::string> ignored_prefixes_;
  Status first_error_;
  uint64_t params_ = 0;
};

}  // namespace tsr
