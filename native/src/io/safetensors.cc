#include "io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/json.h"

namespace tsr {

namespace {

// The reference implementation refuses headers over 100 MB; a real one is a few hundred KB.
constexpr uint64_t kMaxHeader = 100ull << 20;
constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53: larger JSON numbers lose digits

bool json_u64(const Json& j, uint64_t& out) {
  if (!j.is_number()) return false;
  double v = j.number();
  if (!std::isfinite(v) || v < 0 || v > kMaxExactInt || v != std::floor(v)) return false;
  out = uint64_t(v);
  return true;
}

std::string range_str(const SafetensorsEntry& e) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "[%llu, %llu]", (unsigned long long)e.begin, (unsigned long long)e.end);
  return buf;
}

Status parse_entry(const std::string& name, const Json& j, uint64_t data_size, const std::string& where,
                   SafetensorsEntry& e) {
  const char* w = where.c_str();
  const char* n = name.c_str();
  if (!j.is_object()) return Error(Code::CorruptFile, "%s: header entry '%s' is not an object", w, n);
  const Json* dtype = j.find("dtype");
  const Json* shape = j.find("shape");
  const Json* offsets = j.find("data_offsets");
  if (!dtype || !dtype->is_string())
    return Error(Code::CorruptFile, "%s: tensor '%s' has no dtype string", w, n);
  if (!shape || !shape->is_array())
    return Error(Code::CorruptFile, "%s: tensor '%s' has no shape array", w, n);
  if (!offsets || !offsets->is_array() || offsets->items().size() != 2)
    return Error(Code::CorruptFile, "%s: tensor '%s' needs data_offsets [begin, end]", w, n);

  auto dt = dtype_from_safetensors(dtype->str());
  if (!dt.ok()) return dt.status().with_context(where + ": tensor '" + name + "'");
  e.dtype = *dt;

  uint64_t numel = 1;
  e.shape.clear();
  for (const Json& d : shape->items()) {
    uint64_t v;
    if (!json_u64(d, v)) return Error(Code::CorruptFile, "%s: tensor '%s' has a bad shape entry", w, n);
    if (v != 0 && numel > (uint64_t(1) << 62) / v)
      return Error(Code::CorruptFile, "%s: tensor '%s' has an impossibly large shape", w, n);
    numel *= v;
    e.shape.push_back(int64_t(v));
  }
  if (!json_u64(offsets->items()[0], e.begin) || !json_u64(offsets->items()[1], e.end))
    return Error(Code::CorruptFile, "%s: tensor '%s' has non-integer data_offsets", w, n);
  if (e.begin > e.end)
    return Error(Code::CorruptFile, "%s: tensor '%s' has data_offsets %s with begin after end", w, n,
                 range_str(e).c_str());
  if (e.end > data_size)
    return Error(Code::CorruptFile,
                 "%s: tensor '%s' data_offsets %s run past the end of the data region (%llu bytes): "
                 "the file is truncated or corrupt",
                 w, n, range_str(e).c_str(), (unsigned long long)data_size);
  uint64_t need = numel * dtype_size(e.dtype);
  if (e.end - e.begin != need)
    return Error(Code::CorruptFile, "%s: tensor '%s' of shape %s and dtype %s needs %llu bytes, but data_offsets %s span %llu",
                 w, n, shape_str(e.shape).c_str(), dtype_to_safetensors(e.dtype), (unsigned long long)need,
                 range_str(e).c_str(), (unsigned long long)(e.end - e.begin));
  return OkStatus();
}

}  // namespace

StatusOr<DType> dtype_from_safetensors(const std::string& name) {
  if (name == "F32") return DType::F32;
  if (name == "BF16") return DType::BF16;
  if (name == "F16") return DType::F16;
  if (name == "I32") return DType::I32;
  if (name == "I64") return DType::I64;
  if (name == "U8") return DType::U8;
  return Error(Code::UnsupportedDtype, "dtype '%s' is not supported (F32, BF16, F16, I32, I64, U8 are)",
               name.c_str());
}

const char* dtype_to_safetensors(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::BF16: return "BF16";
    case DType::F16: return "F16";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
    case DType::U8: return "U8";
  }
  return "?";
}

StatusOr<SafetensorsHeader> parse_safetensors(const uint8_t* data, size_t size, const std::string& where) {
  const char* w = where.c_str();
  if (size < 8)
    return Error(Code::CorruptFile, "%s: file is %zu bytes, too short for the 8-byte header length", w, size);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | data[i];  // little-endian
  if (n > size - 8)
    return Error(Code::CorruptFile, "%s: header length %llu exceeds the file size %zu: truncated or not a safetensors file",
                 w, (unsigned long long)n, size);
  if (n > kMaxHeader)
    return Error(Code::CorruptFile, "%s: header length %llu is over the 100 MB limit", w, (unsigned long long)n);

  auto json = Json::parse(std::string(reinterpret_cast<const char*>(data + 8), size_t(n)));
  if (!json.ok()) return json.status().with_context(where + ": safetensors header");
  if (!json->is_object()) return Error(Code::CorruptFile, "%s: safetensors header is not a JSON object", w);

  SafetensorsHeader h;
  h.data_start = 8 + n;
  const uint64_t data_size = size - h.data_start;
  for (const auto& [name, value] : json->members()) {
    if (name == "__metadata__") {
      if (!value.is_object()) return Error(Code::CorruptFile, "%s: __metadata__ is not an object", w);
      for (const auto& [k, v] : value.members()) {
        if (!v.is_string()) return Error(Code::CorruptFile, "%s: __metadata__ value '%s' is not a string", w, k.c_str());
        h.metadata[k] = v.str();
      }
      continue;
    }
    SafetensorsEntry e;
    TSR_RETURN_IF_ERROR(parse_entry(name, value, data_size, where, e));
    if (!h.tensors.emplace(name, std::move(e)).second)
      return Error(Code::CorruptFile, "%s: tensor '%s' appears twice in the header", w, name.c_str());
  }

  // No two non-empty tensors may share bytes.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_offset;
  for (const auto& [name, e] : h.tensors)
    if (e.end > e.begin) by_offset.push_back({&name, &e});
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto& [pn, pe] = by_offset[i - 1];
    const auto& [cn, ce] = by_offset[i];
    if (ce->begin < pe->end)
      return Error(Code::CorruptFile, "%s: tensors '%s' %s and '%s' %s overlap", w, pn->c_str(),
                   range_str(*pe).c_str(), cn->c_str(), range_str(*ce).c_str());
  }
  return h;
}

StatusOr<std::shared_ptr<SafetensorsStore>> SafetensorsStore::open(const std::string& path) {
  TSR_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  TSR_ASSIGN_OR_RETURN(auto header, parse_safetensors(file->data(), file->size(), path));
  auto store = std::shared_ptr<SafetensorsStore>(new SafetensorsStore());
  store->file_ = std::move(file);
  store->header_ = std::move(header);
  return store;
}

std::vector<std::string> SafetensorsStore::keys() const {
  std::vector<std::string> out;
  out.reserve(header_.tensors.size());
  for (const auto& kv : header_.tensors) out.push_back(kv.first);
  return out;
}

bool SafetensorsStore::has(const std::string& name) const { return header_.tensors.count(name) != 0; }

StatusOr<TensorInfo> SafetensorsStore::info(const std::string& name) const {
  auto it = header_.tensors.find(name);
  if (it == header_.tensors.end())
    return Error(Code::MissingKey, "%s has no tensor '%s'", path().c_str(), name.c_str());
  return TensorInfo{it->second.dtype, it->second.shape};
}

StatusOr<Tensor> SafetensorsStore::get(const std::string& name) const {
  auto it = header_.tensors.find(name);
  if (it == header_.tensors.end())
    return Error(Code::MissingKey, "%s has no tensor '%s'", path().c_str(), name.c_str());
  const SafetensorsEntry& e = it->second;
  return mapped_tensor(file_, file_->data() + header_.data_start + e.begin, e.dtype, e.shape);
}

}  // namespace tsr
