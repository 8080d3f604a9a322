// PyTorch checkpoints written by torch.save (>= 1.6): a stored zip archive holding
// <archive>/data.pkl (the pickled state dict, read by the restricted unpickler) and one
// <archive>/data/<key> entry per storage. Tensors view the mapping when contiguous and aligned
// (torch aligns storages to 64 bytes) and are copied into a contiguous buffer otherwise.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/unpickler.h"
#include "io/weights.h"
#include "io/zip_reader.h"

namespace tsr {

class PthStore final : public WeightStore {
 public:
  // Validates the archive, the pickle and every tensor's extent inside its storage up front.
  // The legacy (pre-zip) torch format is Unsupported; the rest as for WeightStore::open.
  static StatusOr<std::shared_ptr<PthStore>> open(const std::string& path);

  std::vector<std::string> keys() const override;
  bool has(const std::string& name) const override { return tensors_.count(name) != 0; }
  StatusOr<TensorInfo> info(const std::string& name) const override;
  StatusOr<Tensor> get(const std::string& name) const override;
  const std::map<std::string, std::string>& metadata() const override { return metadata_; }

 private:
  struct Entry {
    PickledTensor t;
    const uint8_t* storage = nullptr;  // start of the storage's bytes in the mapping
  };
  std::shared_ptr<MappedFile> file_;
  std::map<std::string, Entry> tensors_;
  std::map<std::string, std::string> metadata_;  // always empty
};

}  // namespace tsr
