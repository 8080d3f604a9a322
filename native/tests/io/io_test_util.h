// Helpers for the io tests: file bytes, hand-built safetensors / zip / pickle images (to craft
// corrupt and malicious inputs the real writers never produce), and a host-only backend for
// WeightBinder tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/tensor.h"
#include "harness.h"
#include "io/weights.h"

namespace tsr::test {

using Bytes = std::vector<uint8_t>;

inline Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

inline std::string golden(const std::string& name) { return golden_dir() + "/" + name; }

inline void put_le(Bytes& b, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(uint8_t(v >> (8 * i)));
}

// safetensors image from a literal header and data bytes (no validation: for corrupt cases).
inline Bytes raw_safetensors(const std::string& header, const Bytes& data) {
  Bytes b;
  put_le(b, header.size(), 8);
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// Byte-for-byte equality of two tensors (dtype, shape, data).
inline bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         (a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0);
}

// Every key of `a` and `b` the same, with bit-identical tensors. Records failures.
void expect_same_store(const WeightStore& a, const WeightStore& b);

// ---------------------------------------------------------------- zip
struct ZipSpec {
  std::string name;
  Bytes data;
  uint16_t method = 0;
};
// Stored zip as torch writes it (data aligned to 64 bytes through local extra padding). With
// zip64 every size/offset goes through ZIP64 extra fields and a ZIP64 end record.
Bytes build_zip(const std::vector<ZipSpec>& entries, bool zip64 = false);

// ---------------------------------------------------------------- pickle
class PickleWriter {
 public:
  Bytes out;
  PickleWriter& op(uint8_t o) { out.push_back(o); return *this; }
  PickleWriter& proto(uint8_t v = 2) { return op(0x80).op(v); }
  PickleWriter& str(const std::string& s) {
    op('X');
    put_le(out, s.size(), 4);
    out.insert(out.end(), s.begin(), s.end());
    return *this;
  }
  PickleWriter& global(const std::string& module, const std::string& name) {
    op('c');
    for (char c : module + "\n" + name + "\n") out.push_back(uint8_t(c));
    return *this;
  }
  PickleWriter& integer(int64_t v) {
    if (v >= 0 && v < 256) return op('K').op(uint8_t(v));
    if (v >= 0 && v < 65536) { op('M'); put_le(out, uint64_t(v), 2); return *this; }
    if (v >= INT32_MIN && v <= INT32_MAX) { op('J'); put_le(out, uint64_t(uint32_t(int32_t(v))), 4); return *this; }
    op(0x8a).op(8);
    put_le(out, uint64_t(v), 8);
    return *this;
  }
  PickleWriter& put(uint8_t i) { return op('q').op(i); }
  PickleWriter& get(uint8_t i) { return op('h').op(i); }
};

struct PickleTensorSpec {
  std::string name;
  std::string storage_class;  // "FloatStorage", "BFloat16Storage", "HalfStorage"
  std::string key;
  int64_t storage_numel = 0, offset = 0;
  std::vector<int64_t> shape, stride;
  bool as_parameter = false;  // wrap in torch._utils._rebuild_parameter
};
// data.pkl of torch.save(OrderedDict state dict) with the given tensors (and an OrderedDict
// `_metadata` attribute set through BUILD, as real state dicts have).
Bytes build_state_dict_pickle(const std::vector<PickleTensorSpec>& tensors);

// ---------------------------------------------------------------- backend
// Upload copies into host memory in the stored dtype; every compute op fails. Optionally
// refuses uploads past a byte budget (OutOfMemory) to test the binder's error path.
class HostUploadBackend final : public Backend {
 public:
  uint64_t budget = UINT64_MAX, used = 0;
  const char* name() const override { return "host-test"; }
  DeviceKind device() const override { return DeviceKind::Cpu; }
  Tensor upload(const Tensor& host, WeightKind) override {
    if (used + host.nbytes() > budget) return fail(Error(Code::OutOfMemory, "test budget exhausted"));
    Tensor t = host_empty(host.dtype(), host.shape());
    if (host.nbytes()) std::memcpy(t.data(), host.data(), host.nbytes());
    used += host.nbytes();
    return t;
  }
  Tensor from_host(const Tensor&) override { return no(); }
  Tensor to_host(const Tensor&) override { return no(); }
  Tensor empty(const Shape&) override { return no(); }
  MemoryStats memory() const override { return {}; }
  void reset_peak() override {}
  Tensor linear(const Tensor&, const Tensor&, const Tensor*, Act) override { return no(); }
  void linear_residual_(Tensor&, const Tensor&, const Tensor&, const Tensor*, const Tensor*) override { no(); }
  Tensor layer_norm(const Tensor&, const Tensor*, const Tensor*, float) override { return no(); }
  Tensor layer_norm_modulate(const Tensor&, const Tensor&, const Tensor&, float) override { return no(); }
  Tensor rms_norm(const Tensor&, const Tensor&, float) override { return no(); }
  Tensor rms_norm_channels(const Tensor&, const Tensor&) override { return no(); }
  void rope3d_(Tensor&, int, int, const int[3]) override { no(); }
  Tensor attention(const Tensor&, const Tensor&, const Tensor&, const AttnSpec&) override { return no(); }
  Tensor unary(const Tensor&, Act) override { return no(); }
  Tensor add(const Tensor&, const Tensor&) override { return no(); }
  Tensor mul(const Tensor&, const Tensor&) override { return no(); }
  void add_gated_(Tensor&, const Tensor&, const Tensor*) override { no(); }
  Tensor clamp(const Tensor&, float, float) override { return no(); }
  Tensor embedding(const Tensor&, const std::vector<int32_t>&) override { return no(); }
  Tensor permute(const Tensor&, const std::vector<int>&) override { return no(); }
  Tensor concat(const std::vector<Tensor>&, int) override { return no(); }
  Tensor slice(const Tensor&, int, int64_t, int64_t) override { return no(); }
  Tensor conv3d(const Tensor&, const Tensor&, const Tensor*, const Conv3dSpec&) override { return no(); }
  Tensor upsample2x(const Tensor&) override { return no(); }

 private:
  Tensor no() { return fail(Error(Code::Unsupported, "the io test backend only uploads")); }
};

}  // namespace tsr::test
