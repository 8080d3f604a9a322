// torch.save archives: golden .pth files equal their safetensors twins bit for bit; malicious
// pickles, compressed entries, truncation and bad extents are rejected cleanly.
#include <filesystem>

#include "io/pth.h"
#include "io/unpickler.h"
#include "io_test_util.h"

using namespace tsr;
using namespace tsr::test;

namespace {

std::string write_temp(const Bytes& b, const std::string& name = "m.pth") {
  std::string p = temp_dir() + "/" + name;
  write_bytes(p, b);
  return p;
}

Status open_pth(const Bytes& b) { return WeightStore::open(write_temp(b)).status(); }

// A torch-style archive around a data.pkl and storages.
Bytes archive(const Bytes& pkl, std::vector<ZipSpec> storages = {}, bool zip64 = false) {
  std::vector<ZipSpec> e{{"arch/data.pkl", pkl}, {"arch/byteorder", {'l', 'i', 't', 't', 'l', 'e'}}};
  for (auto& s : storages) e.push_back(std::move(s));
  return build_zip(e, zip64);
}

Bytes floats(std::initializer_list<float> v) {
  Bytes b(v.size() * 4);
  std::memcpy(b.data(), v.begin(), b.size());
  return b;
}

}  // namespace

TSR_TEST(io_pth, golden_pth_equals_safetensors) {
  for (const char* name : {"umt5_tiny.weights", "umt5_tiny.weights.bf16", "wan_dit_tiny.weights", "wan_vae_tiny.weights"}) {
    auto pth = WeightStore::open(golden(std::string(name) + ".pth"));
    auto st = WeightStore::open(golden(std::string(name) + ".safetensors"));
    REQUIRE_OK(pth.status());
    REQUIRE_OK(st.status());
    CHECK(!(*pth)->keys().empty());
    expect_same_store(**pth, **st);
    CHECK((*pth)->metadata().empty());
  }
  auto bf = WeightStore::open(golden("umt5_tiny.weights.bf16.pth"));
  REQUIRE_OK(bf.status());
  auto info = (*bf)->info("blocks.0.attn.q.weight");
  REQUIRE_OK(info.status());
  CHECK(info->dtype == DType::BF16);
  CHECK(info->shape == (Shape{64, 64}));
  // Contiguous storages are views into the mapping, not copies.
  auto t = (*bf)->get("blocks.0.attn.q.weight");
  REQUIRE_OK(t.status());
  CHECK(t->owner() != nullptr);
}

TSR_TEST(io_pth, synthetic_state_dict_with_views) {
  // Storage 0 holds 12 floats; "full" is it as [3, 4], "t" its transpose (strides 1, 4), "part"
  // a slice at offset 5, "p" a Parameter, "h" a half tensor in its own storage.
  Bytes s0 = floats({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Bytes s1(8);
  for (int i = 0; i < 4; ++i) {
    uint16_t h = f32_to_f16(float(i) - 1.5f);
    std::memcpy(s1.data() + 2 * i, &h, 2);
  }
  Bytes pkl = build_state_dict_pickle({
      {"full", "FloatStorage", "0", 12, 0, {3, 4}, {4, 1}},
      {"t", "FloatStorage", "0", 12, 0, {4, 3}, {1, 4}},
      {"part", "FloatStorage", "0", 12, 5, {2, 3}, {3, 1}},
      {"p", "FloatStorage", "0", 12, 0, {12}, {1}, true},
      {"h", "HalfStorage", "1", 4, 0, {2, 2}, {2, 1}},
      {"sub.scalar", "FloatStorage", "0", 12, 11, {}, {}},
  });
  for (bool zip64 : {false, true}) {
    auto st = WeightStore::open(write_temp(archive(pkl, {{"arch/data/0", s0}, {"arch/data/1", s1}}, zip64)));
    REQUIRE_OK(st.status());
    auto& s = **st;
    CHECK(s.keys() == (std::vector<std::string>{"full", "h", "p", "part", "sub.scalar", "t"}));
    auto t = s.get("t");
    REQUIRE_OK(t.status());
    CHECK(t->shape() == (Shape{4, 3}));
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 3; ++c) CHECK(t->data_as<float>()[r * 3 + c] == float(c * 4 + r));
    auto part = s.get("part");
    REQUIRE_OK(part.status());
    for (int i = 0; i < 6; ++i) CHECK(part->data_as<float>()[i] == float(5 + i));
    auto p = s.get("p");
    REQUIRE_OK(p.status());
    CHECK(p->numel() == 12 && p->data_as<float>()[7] == 7.0f);
    auto h = s.get("h");
    REQUIRE_OK(h.status());
    CHECK(h->dtype() == DType::F16 && f16_to_f32(h->data_as<uint16_t>()[3]) == 1.5f);
    auto sc = s.get("sub.scalar");
    REQUIRE_OK(sc.status());
    CHECK(sc->ndim() == 0 && sc->data_as<float>()[0] == 11.0f);
  }
}

TSR_TEST(io_pth, malicious_pickles_rejected) {
  // GLOBAL os.system called through REDUCE: refused at the GLOBAL, nothing runs.
  PickleWriter p;
  p.proto(2).global("os", "system").str("touch /tmp/tessera-pwned").op(0x85).op('R').op('.');
  Status st = open_pth(archive(p.out));
  CHECK_CODE(st, Code::Unsupported);
  CHECK(st.message().find("os.system") != std::string::npos);
  CHECK(!std::filesystem::exists("/tmp/tessera-pwned"));

  PickleWriter q;  // builtins.eval via STACK_GLOBAL (protocol 4)
  q.proto(4).str("builtins").str("eval").op(0x93).str("1+1").op(0x85).op('R').op('.');
  st = open_pth(archive(q.out));
  CHECK_CODE(st, Code::Unsupported);
  CHECK(st.message().find("builtins.eval") != std::string::npos);

  // Opcodes outside the state-dict subset: INST, OBJ, NEWOBJ, EXT1.
  for (uint8_t op : {uint8_t('i'), uint8_t('o'), uint8_t(0x81), uint8_t(0x82)}) {
    PickleWriter w;
    w.proto(2).op('}').op(op).op('.');
    st = open_pth(archive(w.out));
    CHECK_CODE(st, Code::Unsupported);
    CHECK(st.message().find("opcode") != std::string::npos);
  }
  // An allowed global used in a way a state dict never does.
  PickleWriter r;
  r.proto(2).global("torch", "FloatStorage").op(')').op('R').op('.');
  CHECK_CODE(open_pth(archive(r.out)), Code::Unsupported);
  // A persistent id that is not a storage.
  PickleWriter s;
  s.proto(2).str("anything").op('Q').op('.');
  CHECK_CODE(open_pth(archive(s.out)), Code::Unsupported);
}

TSR_TEST(io_pth, malformed_pickles_rejected) {
  auto code_of = [](const Bytes& pkl) { return unpickle_state_dict(pkl.data(), pkl.size()).status().code(); };
  CHECK(code_of({0x80, 0x02}) == Code::CorruptFile);               // no STOP
  CHECK(code_of({0x80, 0x02, 's', '.'}) == Code::CorruptFile);     // stack underflow
  CHECK(code_of({0x80, 0x02, 'h', 9, '.'}) == Code::CorruptFile);  // unset memo slot
  CHECK(code_of({0x80, 0x02, 't', '.'}) == Code::CorruptFile);     // TUPLE without MARK
  CHECK(code_of({0x80, 0x02, 'X', 0xff, 0xff, 0, 0, 'a'}) == Code::CorruptFile);  // string past the end
  CHECK(code_of({0x80, 0x02, 'K', 1, '.'}) == Code::Unsupported);  // not a dict
  CHECK(code_of({0x80, 0x09, '}', '.'}) == Code::Unsupported);      // unknown protocol
  // A dict value that is not a tensor, and a self-referencing list (no hang, no crash).
  PickleWriter w;
  w.proto(2).op('}').str("x").op(']').put(1).get(1).op('a').op('s').op('.');
  CHECK(code_of(w.out) == Code::Unsupported);
  // Deep nesting is cleared without recursion.
  PickleWriter d;
  d.proto(2).op('}').str("deep").op('N');
  for (int i = 0; i < 200000; ++i) d.op(0x85);
  d.op('s').op('.');
  CHECK(code_of(d.out) == Code::Unsupported);
  // Every prefix of a real data.pkl fails cleanly.
  Bytes pkl = build_state_dict_pickle({{"a", "FloatStorage", "0", 4, 0, {4}, {1}}});
  REQUIRE_OK(unpickle_state_dict(pkl.data(), pkl.size()).status());
  for (size_t cut = 0; cut < pkl.size(); ++cut) CHECK(code_of(Bytes(pkl.begin(), pkl.begin() + ptrdiff_t(cut))) != Code::Ok);
}

TSR_TEST(io_pth, compressed_entry_rejected) {
  // Mark one storage of a real archive as deflated in both headers: clear Unsupported error.
  Bytes b = read_bytes(golden("umt5_tiny.weights.pth"));
  const std::string target = "umt5_tiny.weights/data/0";
  int patched = 0;
  for (size_t i = 0; i + 46 < b.size(); ++i) {
    uint32_t sig = uint32_t(b[i]) | uint32_t(b[i + 1]) << 8 | uint32_t(b[i + 2]) << 16 | uint32_t(b[i + 3]) << 24;
    size_t name_at = sig == 0x04034b50 ? i + 30 : sig == 0x02014b50 ? i + 46 : 0;
    size_t method_at = sig == 0x04034b50 ? i + 8 : i + 10;
    if (!name_at || name_at + target.size() > b.size()) continue;
    size_t name_len = size_t(b[i + (sig == 0x04034b50 ? 26 : 28)]) | size_t(b[i + (sig == 0x04034b50 ? 27 : 29)]) << 8;
    if (name_len == target.size() && std::memcmp(&b[name_at], target.data(), target.size()) == 0) {
      b[method_at] = 8;
      ++patched;
    }
  }
  REQUIRE(patched == 2);
  Status st = open_pth(b);
  CHECK_CODE(st, Code::Unsupported);
  CHECK(st.message().find("compressed") != std::string::npos);
  CHECK(st.message().find(target) != std::string::npos);

  Bytes pkl = build_state_dict_pickle({{"a", "FloatStorage", "0", 2, 0, {2}, {1}}});
  ZipSpec deflated{"arch/data/0", floats({1, 2}), 8};
  CHECK_CODE(open_pth(archive(pkl, {deflated})), Code::Unsupported);
}

TSR_TEST(io_pth, truncated_and_inconsistent_archives) {
  Bytes good = read_bytes(golden("umt5_tiny.weights.pth"));
  REQUIRE(!good.empty());
  for (size_t cut : {size_t(0), size_t(10), size_t(100), good.size() / 2, good.size() - 30, good.size() - 1}) {
    Status st = open_pth(Bytes(good.begin(), good.begin() + ptrdiff_t(cut)));
    CHECK_CODE(st, Code::CorruptFile);
  }
  Bytes pkl = build_state_dict_pickle({{"a", "FloatStorage", "0", 4, 0, {4}, {1}}});
  CHECK_OK(open_pth(archive(pkl, {{"arch/data/0", floats({1, 2, 3, 4})}})));
  CHECK_CODE(open_pth(archive(pkl)), Code::CorruptFile);                                        // storage missing
  CHECK_CODE(open_pth(archive(pkl, {{"arch/data/0", floats({1, 2, 3})}})), Code::CorruptFile);  // storage short
  Bytes past = build_state_dict_pickle({{"a", "FloatStorage", "0", 4, 2, {2, 2}, {2, 1}}});
  Status st = open_pth(archive(past, {{"arch/data/0", floats({1, 2, 3, 4})}}));
  CHECK_CODE(st, Code::CorruptFile);  // offset 2 + extent 4 > 4 elements
  CHECK(st.message().find("'a'") != std::string::npos);
  Bytes two_dtypes = build_state_dict_pickle({{"a", "FloatStorage", "0", 2, 0, {2}, {1}},
                                              {"b", "HalfStorage", "0", 4, 0, {4}, {1}}});
  CHECK_CODE(open_pth(archive(two_dtypes, {{"arch/data/0", floats({1, 2})}})), Code::CorruptFile);
  CHECK_CODE(open_pth(build_zip({{"x/other.bin", floats({1})}})), Code::CorruptFile);  // no data.pkl
  Bytes be_order = build_zip({{"arch/data.pkl", pkl}, {"arch/byteorder", {'b', 'i', 'g'}}, {"arch/data/0", floats({1, 2, 3, 4})}});
  CHECK_CODE(open_pth(be_order), Code::Unsupported);
  // Legacy (pre-zip) torch.save files begin with a pickle header.
  CHECK_CODE(open_pth(Bytes{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8}), Code::Unsupported);
}

TSR_TEST(io_pth, zip64_archive_reads) {
  Bytes pkl = build_state_dict_pickle({{"w", "BFloat16Storage", "7", 3, 0, {3}, {1}}});
  Bytes s(6);
  for (int i = 0; i < 3; ++i) {
    uint16_t v = f32_to_bf16(float(i + 1));
    std::memcpy(s.data() + 2 * i, &v, 2);
  }
  auto st = WeightStore::open(write_temp(archive(pkl, {{"arch/data/7", s}}, true)));
  REQUIRE_OK(st.status());
  auto t = (*st)->get("w");
  REQUIRE_OK(t.status());
  CHECK(t->dtype() == DType::BF16 && bf16_to_f32(t->data_as<uint16_t>()[2]) == 3.0f);
  // A ZIP64 central entry without its extra field is corrupt.
  Bytes b = archive(pkl, {{"arch/data/7", s}}, true);
  for (size_t i = 0; i + 4 < b.size(); ++i)
    if (b[i] == 0x01 && b[i + 1] == 0x00 && b[i + 2] == 24 && b[i + 3] == 0) b[i] = 0x99;  // rename the field id
  CHECK_CODE(open_pth(b), Code::CorruptFile);
}
