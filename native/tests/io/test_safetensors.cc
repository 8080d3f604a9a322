// safetensors: golden files, writer round trip, and every kind of damage rejected with the
// right code (never a crash).
#include <filesystem>

#include "core/dtype.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "io_test_util.h"

using namespace tsr;
using namespace tsr::test;
namespace fs = std::filesystem;

namespace {

Status open_status(const std::string& path) { return WeightStore::open(path).status(); }

Status open_bytes(const Bytes& b, const std::string& name = "x.safetensors") {
  std::string p = temp_dir() + "/" + name;
  write_bytes(p, b);
  return open_status(p);
}

// A small valid file: a [2, 3] f32 tensor "a" and a [4] bf16 tensor "b".
std::string valid_header() {
  return R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
         R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}})";
}

}  // namespace

TSR_TEST(io_safetensors, golden_files_open) {
  auto st = WeightStore::open(golden("wan_dit_tiny.weights.safetensors"));
  REQUIRE_OK(st.status());
  auto& s = **st;
  CHECK(s.has("patch_embedding.weight"));
  auto info = s.info("patch_embedding.weight");
  REQUIRE_OK(info.status());
  CHECK(info->dtype == DType::F32);
  CHECK(info->shape == (Shape{128, 16, 1, 2, 2}));
  auto t = s.get("patch_embedding.weight");
  REQUIRE_OK(t.status());
  CHECK(t->shape() == info->shape);
  CHECK(t->device() == DeviceKind::Cpu);
  CHECK(!s.has("freqs"));  // the RoPE table is not a parameter
  CHECK_CODE(s.get("no.such.key").status(), Code::MissingKey);

  auto io = WeightStore::open(golden("wan_dit_tiny.io.safetensors"));
  REQUIRE_OK(io.status());
  CHECK((*io)->metadata().count("config") == 1);
  CHECK((*io)->metadata().at("config").find("\"dim\": 128") != std::string::npos);

  auto bf = WeightStore::open(golden("umt5_tiny.weights.bf16.safetensors"));
  REQUIRE_OK(bf.status());
  auto emb = (*bf)->info("token_embedding.weight");
  REQUIRE_OK(emb.status());
  CHECK(emb->dtype == DType::BF16);
  CHECK(emb->shape == (Shape{300, 64}));
}

TSR_TEST(io_safetensors, bf16_twin_is_rounded_f32) {
  auto f = WeightStore::open(golden("umt5_tiny.weights.safetensors"));
  auto b = WeightStore::open(golden("umt5_tiny.weights.bf16.safetensors"));
  REQUIRE_OK(f.status());
  REQUIRE_OK(b.status());
  CHECK((*f)->keys() == (*b)->keys());
  for (const auto& k : (*f)->keys()) {
    auto tf = (*f)->get(k);
    auto tb = (*b)->get(k);
    REQUIRE_OK(tf.status());
    REQUIRE_OK(tb.status());
    REQUIRE(tb->dtype() == DType::BF16 && tf->numel() == tb->numel());
    const float* pf = tf->data_as<float>();
    const uint16_t* pb = tb->data_as<uint16_t>();
    int64_t bad = 0;
    for (int64_t i = 0; i < tf->numel(); ++i) bad += f32_to_bf16(pf[i]) != pb[i];
    CHECK(bad == 0);
  }
}

TSR_TEST(io_safetensors, writer_round_trip) {
  Rng rng(7);
  std::map<std::string, Tensor> ts;
  ts["w.f32"] = random_tensor(rng, {3, 5, 7});
  Tensor bf = host_empty(DType::BF16, {33});
  Tensor hf = host_empty(DType::F16, {2, 9});
  Tensor i64 = host_empty(DType::I64, {5});
  Tensor i32 = host_empty(DType::I32, {1, 3});
  for (int64_t i = 0; i < bf.numel(); ++i) bf.data_as<uint16_t>()[i] = f32_to_bf16(rng.normal());
  for (int64_t i = 0; i < hf.numel(); ++i) hf.data_as<uint16_t>()[i] = f32_to_f16(rng.normal());
  for (int64_t i = 0; i < 5; ++i) i64.data_as<int64_t>()[i] = int64_t(1) << (40 + i);
  for (int64_t i = 0; i < 3; ++i) i32.data_as<int32_t>()[i] = -int32_t(i) * 1000;
  ts["b.bf16"] = bf;
  ts["h \"quoted\" name"] = hf;
  ts["ids"] = i64;
  ts["small"] = i32;
  ts["scalar"] = random_tensor(rng, {});
  ts["empty"] = host_empty(DType::F32, {0, 4});
  std::string path = temp_dir() + "/rt.safetensors";
  REQUIRE_OK(write_safetensors(path, ts, {{"config", "{\"dim\": 4}"}, {"note", "é\n"}}));

  auto st = WeightStore::open(path);
  REQUIRE_OK(st.status());
  CHECK((*st)->keys().size() == ts.size());
  CHECK((*st)->metadata().at("config") == "{\"dim\": 4}");
  CHECK((*st)->metadata().at("note") == "é\n");
  for (const auto& [k, t] : ts) {
    auto got = (*st)->get(k);
    REQUIRE_OK(got.status());
    CHECK(same_tensor(*got, t));
    // The writer keeps every tensor aligned, so reads are views into the mapping.
    CHECK(reinterpret_cast<uintptr_t>(got->data()) % dtype_size(t.dtype()) == 0);
  }
  // No temporary file is left behind.
  int files = 0;
  for (auto& e : fs::directory_iterator(fs::path(path).parent_path())) files += e.is_regular_file();
  CHECK(files == 1);
}

TSR_TEST(io_safetensors, writer_errors) {
  std::map<std::string, Tensor> ts{{"a", host_zeros(DType::F32, {4})}};
  std::string dir = temp_dir();
  CHECK_CODE(write_safetensors(dir + "/no/such/folder/x.safetensors", ts), Code::Io);
  CHECK_CODE(write_safetensors(dir, ts), Code::Io);  // the target is a folder
  Status st = write_safetensors("/proc/version", ts);  // /proc refuses new files
  CHECK_CODE(st, Code::Io);
  CHECK(st.message().find("/proc/version") != std::string::npos);
  std::map<std::string, Tensor> bad{{"__metadata__", host_zeros(DType::F32, {1})}};
  CHECK_CODE(write_safetensors(dir + "/m.safetensors", bad), Code::InvalidArgument);
  std::map<std::string, Tensor> undefined{{"u", Tensor()}};
  CHECK_CODE(write_safetensors(dir + "/u.safetensors", undefined), Code::InvalidArgument);
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  CHECK(files == 0);
}

TSR_TEST(io_safetensors, misaligned_data_is_copied) {
  // A 1-byte header pad shift puts the f32 data at an odd address: reads must still be right.
  std::string header = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
  while ((8 + header.size()) % 4 != 1) header += ' ';
  Bytes data(12);
  float vals[3] = {1.5f, -2.25f, 3e-3f};
  std::memcpy(data.data(), vals, 12);
  std::string p = temp_dir() + "/mis.safetensors";
  write_bytes(p, raw_safetensors(header, data));
  auto st = WeightStore::open(p);
  REQUIRE_OK(st.status());
  auto t = (*st)->get("a");
  REQUIRE_OK(t.status());
  CHECK(reinterpret_cast<uintptr_t>(t->data()) % 4 == 0);
  CHECK(t->data_as<float>()[0] == 1.5f && t->data_as<float>()[1] == -2.25f && t->data_as<float>()[2] == 3e-3f);
}

TSR_TEST(io_safetensors, truncated_files) {
  Bytes good = raw_safetensors(valid_header(), Bytes(32, 0x3f));
  REQUIRE_OK(open_bytes(good));
  const size_t header_end = 8 + valid_header().size();
  // Cut inside the length, inside the header, exactly after it, inside the data, one short.
  for (size_t cut : {size_t(0), size_t(3), size_t(7), size_t(8), size_t(20), header_end - 1, header_end,
                     header_end + 5, header_end + 24, good.size() - 1}) {
    Bytes b(good.begin(), good.begin() + ptrdiff_t(cut));
    Status st = open_bytes(b);
    CHECK_CODE(st, Code::CorruptFile);
    if (st.code() != Code::CorruptFile) std::fprintf(stderr, "    cut at %zu\n", cut);
  }
}

TSR_TEST(io_safetensors, corrupt_headers) {
  auto open_header = [](const std::string& h, size_t data = 32) { return open_bytes(raw_safetensors(h, Bytes(data, 0))); };
  // Not JSON / not an object.
  CHECK_CODE(open_header("{\"a\": {\"dtype\": \"F32\""), Code::CorruptFile);
  CHECK_CODE(open_header("[1, 2, 3]"), Code::CorruptFile);
  CHECK_CODE(open_header("garbage!"), Code::CorruptFile);
  // Header length far past the end of the file.
  Bytes huge = raw_safetensors(valid_header(), Bytes(32, 0));
  huge[5] = 0x10;
  Status st = open_bytes(huge);
  CHECK_CODE(st, Code::CorruptFile);
  CHECK(st.message().find("header length") != std::string::npos);
  // Offsets past the end of the data region.
  st = open_header(R"({"a":{"dtype":"F32","shape":[10],"data_offsets":[0,40]}})");
  CHECK_CODE(st, Code::CorruptFile);
  CHECK(st.message().find("'a'") != std::string::npos);
  // Overlapping ranges.
  st = open_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})");
  CHECK_CODE(st, Code::CorruptFile);
  CHECK(st.message().find("overlap") != std::string::npos);
  // Span that disagrees with shape x dtype.
  st = open_header(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})");
  CHECK_CODE(st, Code::CorruptFile);
  CHECK(st.message().find("[2, 3]") != std::string::npos);
  // begin after end, negative / fractional numbers, missing fields, duplicate keys.
  CHECK_CODE(open_header(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})"), Code::CorruptFile);
  CHECK_CODE(open_header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})"), Code::CorruptFile);
  CHECK_CODE(open_header(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})"), Code::CorruptFile);
  CHECK_CODE(open_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})"), Code::CorruptFile);
  CHECK_CODE(open_header(R"({"a":{"shape":[1],"data_offsets":[0,4]}})"), Code::CorruptFile);
  CHECK_CODE(open_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})"),
             Code::CorruptFile);
  CHECK_CODE(open_header(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})"),
             Code::CorruptFile);
  CHECK_CODE(open_header(R"({"__metadata__":{"k":3}})"), Code::CorruptFile);
  // Unknown and known-but-unsupported dtypes.
  st = open_header(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})");
  CHECK_CODE(st, Code::UnsupportedDtype);
  CHECK(st.message().find("Q7") != std::string::npos);
  CHECK_CODE(open_header(R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})"), Code::UnsupportedDtype);
  // Zero-size tensors may share an offset with anything.
  CHECK_OK(open_header(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})"));
}

TSR_TEST(io_safetensors, missing_and_unreadable) {
  CHECK_CODE(open_status(temp_dir() + "/absent.safetensors"), Code::NotFound);
  CHECK_CODE(open_status(temp_dir() + "/absent.pth"), Code::NotFound);
  std::string dir = temp_dir() + "/folder.safetensors";
  fs::create_directories(dir);
  CHECK_CODE(open_status(dir), Code::Io);
  CHECK_CODE(open_bytes(Bytes{}), Code::CorruptFile);  // empty file
}

TSR_TEST(io_safetensors, random_damage_never_crashes) {
  // Flip random bytes of a real header: every outcome is a clean status.
  Bytes good = read_bytes(golden("umt5_tiny.weights.safetensors"));
  REQUIRE(good.size() > 1000);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | good[size_t(i)];
  Rng rng(11);
  int opened = 0;
  for (int trial = 0; trial < 200; ++trial) {
    Bytes b = good;
    for (int k = 0; k < 3; ++k) b[size_t(rng.next() % (8 + n))] = uint8_t(rng.next());
    auto st = WeightStore::open([&] {
      std::string p = temp_dir() + "/fuzz.safetensors";
      write_bytes(p, b);
      return p;
    }());
    if (st.ok()) {
      ++opened;
      for (const auto& k : (*st)->keys()) CHECK_OK((*st)->get(k).status());
    } else {
      Code c = st.status().code();
      CHECK(c == Code::CorruptFile || c == Code::UnsupportedDtype);
    }
  }
  CHECK(opened < 200);
}
