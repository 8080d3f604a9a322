// Helpers for the model tests: golden fixtures discovered by name prefix, their weight
// variants, and a WeightStore wrapper that breaks a checkpoint on purpose.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "io/weights.h"

namespace tsr::test {

struct WeightVariant {
  std::string label;  // "safetensors", "pth", "bf16.safetensors", "bf16.pth"
  std::string path;
  bool bf16 = false;
};

struct GoldenFixture {
  std::string name;  // e.g. "wan_dit_tiny"
  std::shared_ptr<WeightStore> io;
  std::string config;  // the "config" metadata (JSON)
  std::vector<WeightVariant> weights;
};

// Every NAME.io.safetensors in the golden folder whose NAME starts with `prefix`, with the
// weight files present beside it. Empty when the folder is missing (the caller fails).
std::vector<GoldenFixture> golden_fixtures(const std::string& prefix);

// Host float32 copy of a tensor of the store (undefined when absent).
Tensor load_f32(const WeightStore& store, const std::string& name);

// The same checkpoint with one key removed, one key added, or one shape changed.
class AlteredStore : public WeightStore {
 public:
  explicit AlteredStore(std::shared_ptr<WeightStore> inner) : inner_(std::move(inner)) {}
  void drop(const std::string& key) { dropped_.push_back(key); }
  void add(const std::string& key, Tensor value) { added_[key] = std::move(value); }
  // Presents `key` with a new shape (a fresh zero tensor of that shape).
  void reshape(const std::string& key, const Shape& shape);

  std::vector<std::string> keys() const override;
  bool has(const std::string& name) const override;
  StatusOr<TensorInfo> info(const std::string& name) const override;
  StatusOr<Tensor> get(const std::string& name) const override;
  const std::map<std::string, std::string>& metadata() const override { return inner_->metadata(); }

 private:
  bool is_dropped(const std::string& key) const;
  std::shared_ptr<WeightStore> inner_;
  std::vector<std::string> dropped_;
  std::map<std::string, Tensor> added_;
};

}  // namespace tsr::test
