// Reader for the uncompressed ("stored") zip archives that torch.save writes, ZIP64 included
// (the umT5-XXL .pth is 11 GB). Reads the central directory, then validates each entry's
// local header before handing out a pointer into the mapping. Compressed or encrypted
// entries and multi-disk archives are Unsupported; structural damage is CorruptFile.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.h"

namespace tsr {

struct ZipEntry {
  std::string name;
  uint64_t local_offset = 0;  // of the local file header
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint16_t method = 0;  // 0 = stored, 8 = deflate
  uint16_t flags = 0;
};

class ZipArchive {
 public:
  static StatusOr<ZipArchive> open(std::shared_ptr<MappedFile> file);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;
  // Start of the entry's bytes (entry.size of them) after checking its local header.
  StatusOr<const uint8_t*> data(const ZipEntry& entry) const;
  const std::shared_ptr<MappedFile>& file() const { return file_; }

 private:
  std::shared_ptr<MappedFile> file_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, size_t> by_name_;
};

}  // namespace tsr
