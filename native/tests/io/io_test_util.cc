#include "io_test_util.h"

namespace tsr::test {

void expect_same_store(const WeightStore& a, const WeightStore& b) {
  CHECK(a.keys() == b.keys());
  for (const std::string& k : a.keys()) {
    auto ta = a.get(k);
    auto tb = b.get(k);
    if (!ta.ok() || !tb.ok()) {
      fail(__FILE__, __LINE__, "cannot read " + k + ": " + ta.status().to_string() + " / " + tb.status().to_string());
      continue;
    }
    if (!same_tensor(*ta, *tb)) fail(__FILE__, __LINE__, "tensor " + k + " differs");
  }
}

Bytes build_zip(const std::vector<ZipSpec>& entries, bool zip64) {
  Bytes out, central;
  for (const ZipSpec& e : entries) {
    const uint64_t local = out.size();
    // Pad the local extra field so the data starts on a 64-byte boundary (as torch does).
    size_t fixed = 30 + e.name.size() + 4;
    size_t pad = (64 - (local + fixed) % 64) % 64;
    put_le(out, 0x04034b50, 4);
    put_le(out, 20, 2);  // version needed
    put_le(out, 0, 2);   // flags
    put_le(out, e.method, 2);
    put_le(out, 0, 4);   // time, date
    put_le(out, 0, 4);   // crc (not checked)
    put_le(out, zip64 ? 0xFFFFFFFF : e.data.size(), 4);
    put_le(out, zip64 ? 0xFFFFFFFF : e.data.size(), 4);
    put_le(out, e.name.size(), 2);
    put_le(out, 4 + pad, 2);
    out.insert(out.end(), e.name.begin(), e.name.end());
    put_le(out, 0xCAFE, 2);  // an unknown extra field id, used as padding
    put_le(out, pad, 2);
    out.insert(out.end(), pad, 0);
    out.insert(out.end(), e.data.begin(), e.data.end());

    put_le(central, 0x02014b50, 4);
    put_le(central, 45, 2);
    put_le(central, 45, 2);
    put_le(central, 0, 2);
    put_le(central, e.method, 2);
    put_le(central, 0, 4);
    put_le(central, 0, 4);
    put_le(central, zip64 ? 0xFFFFFFFF : e.data.size(), 4);
    put_le(central, zip64 ? 0xFFFFFFFF : e.data.size(), 4);
    put_le(central, e.name.size(), 2);
    put_le(central, zip64 ? 28 : 0, 2);  // extra
    put_le(central, 0, 2);               // comment
    put_le(central, 0, 2);               // disk
    put_le(central, 0, 2);
    put_le(central, 0, 4);
    put_le(central, zip64 ? 0xFFFFFFFF : local, 4);
    central.insert(central.end(), e.name.begin(), e.name.end());
    if (zip64) {
      put_le(central, 0x0001, 2);
      put_le(central, 24, 2);
      put_le(central, e.data.size(), 8);
      put_le(central, e.data.size(), 8);
      put_le(central, local, 8);
    }
  }
  const uint64_t cd_offset = out.size();
  out.insert(out.end(), central.begin(), central.end());
  if (zip64) {
    const uint64_t z64 = out.size();
    put_le(out, 0x06064b50, 4);
    put_le(out, 44, 8);
    put_le(out, 45, 2);
    put_le(out, 45, 2);
    put_le(out, 0, 4);
    put_le(out, 0, 4);
    put_le(out, entries.size(), 8);
    put_le(out, entries.size(), 8);
    put_le(out, central.size(), 8);
    put_le(out, cd_offset, 8);
    put_le(out, 0x07064b50, 4);
    put_le(out, 0, 4);
    put_le(out, z64, 8);
    put_le(out, 1, 4);
  }
  put_le(out, 0x06054b50, 4);
  put_le(out, 0, 2);
  put_le(out, 0, 2);
  put_le(out, zip64 ? 0xFFFF : entries.size(), 2);
  put_le(out, zip64 ? 0xFFFF : entries.size(), 2);
  put_le(out, zip64 ? 0xFFFFFFFF : central.size(), 4);
  put_le(out, zip64 ? 0xFFFFFFFF : cd_offset, 4);
  put_le(out, 0, 2);
  return out;
}

Bytes build_state_dict_pickle(const std::vector<PickleTensorSpec>& tensors) {
  PickleWriter p;
  p.proto(2).global("collections", "OrderedDict").put(0).op(')').op('R').put(1).op('(');
  for (const auto& t : tensors) {
    p.str(t.name);
    if (t.as_parameter) p.global("torch._utils", "_rebuild_parameter");
    p.global("torch._utils", "_rebuild_tensor_v2").op('(');
    p.op('(').str("storage").global("torch", t.storage_class).str(t.key).str("cpu").integer(t.storage_numel).op('t');
    p.op('Q').integer(t.offset);
    p.op('(');
    for (int64_t s : t.shape) p.integer(s);
    p.op('t').op('(');
    for (int64_t s : t.stride) p.integer(s);
    p.op('t').op(0x89).get(0).op(')').op('R').op('t').op('R');
    if (t.as_parameter) p.op(0x88).get(0).op(')').op('R').op(0x87).op('R');
  }
  p.op('u');
  // state = {'_metadata': OrderedDict({'': {'version': 1}})}, applied with BUILD.
  p.op('}').str("_metadata").get(0).op(')').op('R').str("").op('}').str("version").integer(1).op('s').op('s').op('s');
  p.op('b').op('.');
  return p.out;
}

}  // namespace tsr::test
