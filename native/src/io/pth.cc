#include "io/pth.h"

#include <cstring>

namespace tsr {

namespace {

// Highest element index (relative to the storage start) a tensor touches; false on overflow.
bool last_index(const PickledTensor& t, int64_t& out) {
  __int128 last = t.offset;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    if (t.shape[d] == 0) {
      out = -1;  // empty tensor touches nothing
      return true;
    }
    last += __int128(t.shape[d] - 1) * t.stride[d];
    if (last > (__int128(1) << 62)) return false;
  }
  out = int64_t(last);
  return true;
}

bool is_contiguous(const PickledTensor& t) {
  int64_t expect = 1;
  for (size_t d = t.shape.size(); d-- > 0;) {
    if (t.shape[d] != 1 && t.stride[d] != expect) return false;
    expect *= t.shape[d];
  }
  return true;
}

// Gathers a strided tensor into contiguous row-major order.
void gather(const uint8_t* base, const PickledTensor& t, uint8_t* dst) {
  const size_t es = dtype_size(t.dtype);
  const size_t nd = t.shape.size();
  const int64_t numel = shape_numel(t.shape);
  std::vector<int64_t> idx(nd, 0);
  for (int64_t i = 0; i < numel; ++i) {
    int64_t src = t.offset;
    for (size_t d = 0; d < nd; ++d) src += idx[d] * t.stride[d];
    std::memcpy(dst + size_t(i) * es, base + size_t(src) * es, es);
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

StatusOr<std::shared_ptr<PthStore>> PthStore::open(const std::string& path) {
  const char* w = path.c_str();
  TSR_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  if (file->size() >= 2 && file->data()[0] == 0x80 && file->data()[1] <= 5)
    return Error(Code::Unsupported,
                 "%s uses the legacy (pre-1.6) torch.save format; re-save it with a current torch or convert it "
                 "to safetensors",
                 w);
  TSR_ASSIGN_OR_RETURN(ZipArchive zip, ZipArchive::open(file));

  // <archive>/data.pkl names the archive folder every other entry lives in.
  const ZipEntry* pkl = nullptr;
  for (const ZipEntry& e : zip.entries()) {
    size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      if (pkl) return Error(Code::CorruptFile, "%s: two data.pkl entries ('%s', '%s')", w, pkl->name.c_str(), e.name.c_str());
      pkl = &e;
    }
  }
  if (!pkl) return Error(Code::CorruptFile, "%s: no <archive>/data.pkl entry: not a torch.save checkpoint", w);
  const std::string prefix = pkl->name.substr(0, pkl->name.size() - std::strlen("data.pkl"));

  if (const ZipEntry* bo = zip.find(prefix + "byteorder")) {
    TSR_ASSIGN_OR_RETURN(const uint8_t* p, zip.data(*bo));
    std::string order(reinterpret_cast<const char*>(p), size_t(bo->size));
    if (order != "little") return Error(Code::Unsupported, "%s: byte order '%s' (only little-endian)", w, order.c_str());
  }

  TSR_ASSIGN_OR_RETURN(const uint8_t* pkl_data, zip.data(*pkl));
  auto tensors = unpickle_state_dict(pkl_data, size_t(pkl->size));
  if (!tensors.ok()) return tensors.status().with_context(path);

  auto store = std::shared_ptr<PthStore>(new PthStore());
  store->file_ = file;
  std::map<std::string, DType> storage_dtype;
  for (PickledTensor& t : *tensors) {
    const char* n = t.name.c_str();
    const std::string entry_name = prefix + "data/" + t.storage_key;
    const ZipEntry* e = zip.find(entry_name);
    if (!e) return Error(Code::CorruptFile, "%s: tensor '%s' refers to storage '%s', which is missing", w, n, entry_name.c_str());
    auto [it, fresh] = storage_dtype.emplace(t.storage_key, t.dtype);
    if (!fresh && it->second != t.dtype)
      return Error(Code::CorruptFile, "%s: storage '%s' is used with two dtypes", w, t.storage_key.c_str());
    TSR_ASSIGN_OR_RETURN(const uint8_t* bytes, zip.data(*e));
    const uint64_t es = dtype_size(t.dtype);
    if (uint64_t(t.storage_numel) > e->size / es || e->size != uint64_t(t.storage_numel) * es)
      return Error(Code::CorruptFile, "%s: storage '%s' should hold %lld %s elements but has %llu bytes", w,
                   entry_name.c_str(), (long long)t.storage_numel, dtype_name(t.dtype), (unsigned long long)e->size);
    int64_t last;
    if (!last_index(t, last) || last >= t.storage_numel)
      return Error(Code::CorruptFile, "%s: tensor '%s' (shape %s, offset %lld) reaches past its storage of %lld elements",
                   w, n, shape_str(t.shape).c_str(), (long long)t.offset, (long long)t.storage_numel);
    std::string name = t.name;
    store->tensors_[name] = Entry{std::move(t), bytes};
  }
  return store;
}

std::vector<std::string> PthStore::keys() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& kv : tensors_) out.push_back(kv.first);
  return out;
}

StatusOr<TensorInfo> PthStore::info(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return Error(Code::MissingKey, "%s has no tensor '%s'", file_->path().c_str(), name.c_str());
  return TensorInfo{it->second.t.dtype, it->second.t.shape};
}

StatusOr<Tensor> PthStore::get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return Error(Code::MissingKey, "%s has no tensor '%s'", file_->path().c_str(), name.c_str());
  const PickledTensor& t = it->second.t;
  const size_t es = dtype_size(t.dtype);
  if (is_contiguous(t)) return mapped_tensor(file_, it->second.storage + size_t(t.offset) * es, t.dtype, t.shape);
  Tensor out = host_empty(t.dtype, t.shape);
  if (!out.data())
    return Error(Code::OutOfMemory, "cannot allocate %zu bytes for a contiguous copy of '%s'",
                 size_t(shape_numel(t.shape)) * es, name.c_str());
  gather(it->second.storage, t, out.data_as<uint8_t>());
  return out;
}

}  // namespace tsr
