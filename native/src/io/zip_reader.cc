#include "io/zip_reader.h"

#include <cstring>

namespace tsr {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22, kZip64LocatorSize = 20, kZip64EndSize = 56;
constexpr size_t kCentralSize = 46, kLocalSize = 30;

uint16_t rd16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
uint32_t rd32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t rd64(const uint8_t* p) { return uint64_t(rd32(p)) | uint64_t(rd32(p + 4)) << 32; }

struct EndRecord {
  uint64_t entries = 0, cd_size = 0, cd_offset = 0;
};

// The end-of-central-directory record sits in the last 22 + 65535 bytes (a trailing comment
// may follow it); take the last candidate whose comment length reaches the file's end exactly.
StatusOr<size_t> find_end_record(const MappedFile& f) {
  const uint8_t* d = f.data();
  size_t n = f.size();
  if (n < kEndSize) return Error(Code::CorruptFile, "%s: %zu bytes, too short for a zip archive", f.path().c_str(), n);
  size_t lowest = n - kEndSize > 65535 ? n - kEndSize - 65535 : 0;
  for (size_t pos = n - kEndSize + 1; pos-- > lowest;) {
    if (rd32(d + pos) == kEndSig && pos + kEndSize + rd16(d + pos + 20) == n) return pos;
  }
  return Error(Code::CorruptFile, "%s: no zip end-of-central-directory record: truncated, or not a zip archive",
               f.path().c_str());
}

StatusOr<EndRecord> read_end_record(const MappedFile& f) {
  const uint8_t* d = f.data();
  const char* w = f.path().c_str();
  TSR_ASSIGN_OR_RETURN(size_t pos, find_end_record(f));
  const uint8_t* e = d + pos;
  if (rd16(e + 4) != 0 || rd16(e + 6) != 0 || rd16(e + 8) != rd16(e + 10))
    return Error(Code::Unsupported, "%s: multi-disk zip archives are not supported", w);
  EndRecord r{rd16(e + 10), rd32(e + 12), rd32(e + 16)};

  // ZIP64: a locator right before the classic record points at the 64-bit record.
  if (pos >= kZip64LocatorSize && rd32(d + pos - kZip64LocatorSize) == kZip64LocatorSig) {
    const uint8_t* loc = d + pos - kZip64LocatorSize;
    uint64_t off = rd64(loc + 8);
    if (!range_inside(off, kZip64EndSize, f.size()) || rd32(d + off) != kZip64EndSig)
      return Error(Code::CorruptFile, "%s: ZIP64 locator points to offset %llu, where there is no ZIP64 end record", w,
                   (unsigned long long)off);
    const uint8_t* z = d + off;
    if (rd32(z + 16) != 0 || rd32(z + 20) != 0 || rd64(z + 24) != rd64(z + 32))
      return Error(Code::Unsupported, "%s: multi-disk zip archives are not supported", w);
    r = {rd64(z + 32), rd64(z + 40), rd64(z + 48)};
  } else if (r.entries == 0xFFFF || r.cd_size == 0xFFFFFFFF || r.cd_offset == 0xFFFFFFFF) {
    return Error(Code::CorruptFile, "%s: zip end record defers to a ZIP64 record that is missing", w);
  }
  if (!range_inside(r.cd_offset, r.cd_size, f.size()))
    return Error(Code::CorruptFile, "%s: central directory [%llu, +%llu) lies outside the file (%zu bytes): truncated", w,
                 (unsigned long long)r.cd_offset, (unsigned long long)r.cd_size, f.size());
  return r;
}

// Replaces 0xFFFF.. placeholders with the values of the ZIP64 extra field (id 1), which holds
// only the fields that overflowed, in the order size, compressed size, local offset.
Status apply_zip64_extra(const uint8_t* extra, size_t len, uint32_t size32, uint32_t csize32, uint32_t off32,
                         ZipEntry& e, const char* w) {
  bool need_size = size32 == 0xFFFFFFFF, need_csize = csize32 == 0xFFFFFFFF, need_off = off32 == 0xFFFFFFFF;
  if (!need_size && !need_csize && !need_off) return OkStatus();
  size_t i = 0;
  while (i + 4 <= len) {
    uint16_t id = rd16(extra + i), n = rd16(extra + i + 2);
    if (i + 4 + n > len) break;
    if (id == 0x0001) {
      const uint8_t* p = extra + i + 4;
      size_t want = 8 * (size_t(need_size) + need_csize + need_off);
      if (n < want)
        return Error(Code::CorruptFile, "%s: ZIP64 field of entry '%s' is %u bytes, expected %zu", w, e.name.c_str(), n, want);
      if (need_size) { e.size = rd64(p); p += 8; }
      if (need_csize) { e.compressed_size = rd64(p); p += 8; }
      if (need_off) e.local_offset = rd64(p);
      return OkStatus();
    }
    i += 4 + n;
  }
  return Error(Code::CorruptFile, "%s: entry '%s' needs a ZIP64 extra field but has none", w, e.name.c_str());
}

}  // namespace

StatusOr<ZipArchive> ZipArchive::open(std::shared_ptr<MappedFile> file) {
  const char* w = file->path().c_str();
  TSR_ASSIGN_OR_RETURN(EndRecord end, read_end_record(*file));
  const uint8_t* d = file->data();
  // Each central entry takes at least 46 bytes: bounds the count before reserving.
  if (end.entries > end.cd_size / kCentralSize)
    return Error(Code::CorruptFile, "%s: central directory claims %llu entries in %llu bytes", w,
                 (unsigned long long)end.entries, (unsigned long long)end.cd_size);

  ZipArchive z;
  z.file_ = file;
  z.entries_.reserve(size_t(end.entries));
  uint64_t pos = end.cd_offset, stop = end.cd_offset + end.cd_size;
  for (uint64_t i = 0; i < end.entries; ++i) {
    if (!range_inside(pos, kCentralSize, stop) || rd32(d + pos) != kCentralSig)
      return Error(Code::CorruptFile, "%s: central directory entry %llu at offset %llu is damaged", w,
                   (unsigned long long)i, (unsigned long long)pos);
    const uint8_t* c = d + pos;
    uint16_t name_len = rd16(c + 28), extra_len = rd16(c + 30), comment_len = rd16(c + 32);
    uint64_t total = kCentralSize + uint64_t(name_len) + extra_len + comment_len;
    if (!range_inside(pos, total, stop))
      return Error(Code::CorruptFile, "%s: central directory entry %llu runs past the directory", w, (unsigned long long)i);
    ZipEntry e;
    e.flags = rd16(c + 8);
    e.method = rd16(c + 10);
    uint32_t csize32 = rd32(c + 20), size32 = rd32(c + 24), off32 = rd32(c + 42);
    e.compressed_size = csize32;
    e.size = size32;
    e.local_offset = off32;
    e.name.assign(reinterpret_cast<const char*>(c + kCentralSize), name_len);
    TSR_RETURN_IF_ERROR(apply_zip64_extra(c + kCentralSize + name_len, extra_len, size32, csize32, off32, e, w));
    if (!z.by_name_.emplace(e.name, z.entries_.size()).second)
      return Error(Code::CorruptFile, "%s: entry '%s' appears twice", w, e.name.c_str());
    z.entries_.push_back(std::move(e));
    pos += total;
  }
  return z;
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

StatusOr<const uint8_t*> ZipArchive::data(const ZipEntry& e) const {
  const char* w = file_->path().c_str();
  const char* n = e.name.c_str();
  if (e.flags & 1) return Error(Code::Unsupported, "%s: entry '%s' is encrypted", w, n);
  if (e.method != 0)
    return Error(Code::Unsupported,
                 "%s: entry '%s' is compressed (method %u); only stored entries are supported, as torch.save "
                 "writes them: re-save the checkpoint with torch.save or convert it to safetensors",
                 w, n, unsigned(e.method));
  if (e.compressed_size != e.size)
    return Error(Code::CorruptFile, "%s: stored entry '%s' has compressed size %llu but size %llu", w, n,
                 (unsigned long long)e.compressed_size, (unsigned long long)e.size);
  const uint8_t* d = file_->data();
  if (!range_inside(e.local_offset, kLocalSize, file_->size()) || rd32(d + e.local_offset) != kLocalSig)
    return Error(Code::CorruptFile, "%s: entry '%s' has no local header at offset %llu", w, n,
                 (unsigned long long)e.local_offset);
  const uint8_t* l = d + e.local_offset;
  uint16_t name_len = rd16(l + 26), extra_len = rd16(l + 28);
  if (rd16(l + 8) != e.method)
    return Error(Code::CorruptFile, "%s: entry '%s' local header disagrees on the compression method", w, n);
  if (!range_inside(e.local_offset + kLocalSize, name_len, file_->size()) || name_len != e.name.size() ||
      std::memcmp(l + kLocalSize, e.name.data(), name_len) != 0)
    return Error(Code::CorruptFile, "%s: local header of entry '%s' names another entry", w, n);
  uint64_t start = e.local_offset + kLocalSize + name_len + extra_len;
  if (!range_inside(start, e.size, file_->size()))
    return Error(Code::CorruptFile, "%s: entry '%s' (%llu bytes at offset %llu) runs past the end of the file: truncated",
                 w, n, (unsigned long long)e.size, (unsigned long long)start);
  return d + start;
}

}  // namespace tsr
