// A whole file mapped read-only into memory. Checkpoints are read through views into the
// mapping, so an 11 GB text encoder costs page cache, not a copy. Tensors viewing a mapping
// hold a shared_ptr to it; the mapping is never written (PROT_READ).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "core/tensor.h"

namespace tsr {

class MappedFile {
 public:
  // NotFound when the path does not exist; Io when it cannot be opened or mapped (permissions,
  // a directory, a device). An empty file maps to size() == 0 and data() == nullptr.
  static StatusOr<std::shared_ptr<MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Host tensor over `bytes` (inside `file`'s mapping): a view sharing the mapping when the
// address suits the dtype's alignment, else an aligned copy (OutOfMemory if that fails).
StatusOr<Tensor> mapped_tensor(const std::shared_ptr<MappedFile>& file, const uint8_t* bytes,
                               DType dtype, Shape shape);

// True when [offset, offset + len) lies inside a buffer of `size` bytes (overflow-safe).
inline bool range_inside(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}

}  // namespace tsr
