// safetensors reader: an 8-byte little-endian header length, a JSON header naming every
// tensor's dtype, shape and [begin, end) byte range in the data region that follows, then
// the raw little-endian data. The header is validated in full when the file is opened, so a
// truncated or corrupt file fails at open() with a message saying what is wrong and where.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.h"
#include "io/weights.h"

namespace tsr {

// "F32" <-> DType::F32 etc. Unknown or unsupported names are UnsupportedDtype.
StatusOr<DType> dtype_from_safetensors(const std::string& name);
const char* dtype_to_safetensors(DType t);

struct SafetensorsEntry {
  DType dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;  // byte range relative to the data region
};

struct SafetensorsHeader {
  uint64_t data_start = 0;  // absolute file offset of the data region (8 + header length)
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;
};

// Validates a whole file image. `where` (the path) prefixes error messages.
StatusOr<SafetensorsHeader> parse_safetensors(const uint8_t* data, size_t size, const std::string& where);

class SafetensorsStore final : public WeightStore {
 public:
  static StatusOr<std::shared_ptr<SafetensorsStore>> open(const std::string& path);

  std::vector<std::string> keys() const override;
  bool has(const std::string& name) const override;
  StatusOr<TensorInfo> info(const std::string& name) const override;
  StatusOr<Tensor> get(const std::string& name) const override;
  const std::map<std::string, std::string>& metadata() const override { return header_.metadata; }

  const std::string& path() const { return file_->path(); }

 private:
  std::shared_ptr<MappedFile> file_;
  SafetensorsHeader header_;
};

}  // namespace tsr
