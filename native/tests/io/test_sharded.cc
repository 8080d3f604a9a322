// Shard sets: an index over several safetensors files, hand-listed files, and their errors.
#include <filesystem>

#include "io/safetensors_writer.h"
#include "io_test_util.h"

using namespace tsr;
using namespace tsr::test;
namespace fs = std::filesystem;

namespace {

// Splits a golden store over `n` shards beside an index; returns the index path.
std::string shard_golden(const std::string& dir, const WeightStore& src, int n) {
  std::vector<std::map<std::string, Tensor>> parts(static_cast<size_t>(n));
  std::string map = "{\"metadata\":{\"total_size\":0},\"weight_map\":{";
  int i = 0;
  for (const std::string& k : src.keys()) {
    int s = i++ % n;
    auto t = src.get(k);
    parts[size_t(s)][k] = *t;
    char file[64];
    std::snprintf(file, sizeof file, "model-%05d-of-%05d.safetensors", s + 1, n);
    map += (i > 1 ? ",\"" : "\"") + k + "\":\"" + file + "\"";
  }
  map += "}}";
  for (int s = 0; s < n; ++s) {
    char file[64];
    std::snprintf(file, sizeof file, "/model-%05d-of-%05d.safetensors", s + 1, n);
    Status st = write_safetensors(dir + file, parts[size_t(s)], {{"shard", std::to_string(s)}});
    if (!st.ok()) fail(__FILE__, __LINE__, st.to_string());
  }
  std::string index = dir + "/model.safetensors.index.json";
  write_bytes(index, Bytes(map.begin(), map.end()));
  return index;
}

std::string text_of(const std::string& path) {
  Bytes b = read_bytes(path);
  return std::string(b.begin(), b.end());
}

void write_text(const std::string& path, const std::string& s) { write_bytes(path, Bytes(s.begin(), s.end())); }

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at == std::string::npos) {
    fail(__FILE__, __LINE__, "pattern not found: " + from);
    return;
  }
  s.replace(at, from.size(), to);
}

}  // namespace

TSR_TEST(io_sharded, index_loads_like_the_single_file) {
  auto src = WeightStore::open(golden("wan_dit_tiny.weights.safetensors"));
  REQUIRE_OK(src.status());
  std::string index = shard_golden(temp_dir(), **src, 3);
  auto st = WeightStore::open(index);
  REQUIRE_OK(st.status());
  expect_same_store(**st, **src);
  CHECK((*st)->metadata().count("shard") == 1);
}

TSR_TEST(io_sharded, index_errors) {
  auto src = WeightStore::open(golden("umt5_tiny.weights.safetensors"));
  REQUIRE_OK(src.status());
  const std::string dir = temp_dir();
  const std::string index = shard_golden(dir, **src, 2);
  const std::string original = text_of(index);
  const std::string shard2 = dir + "/model-00002-of-00002.safetensors";

  // A missing shard.
  fs::rename(shard2, shard2 + ".away");
  Status st = WeightStore::open(index).status();
  CHECK_CODE(st, Code::NotFound);
  CHECK(st.message().find("model-00002-of-00002.safetensors") != std::string::npos);
  fs::rename(shard2 + ".away", shard2);
  CHECK_OK(WeightStore::open(index).status());

  // The index names a key the shard does not hold.
  std::string extra = original;
  replace_once(extra, "\"weight_map\":{", "\"weight_map\":{\"ghost.weight\":\"model-00001-of-00002.safetensors\",");
  write_text(index, extra);
  st = WeightStore::open(index).status();
  CHECK_CODE(st, Code::CorruptFile);
  CHECK(st.message().find("ghost.weight") != std::string::npos);

  // A shard holds a key the index leaves out (drop the first entry of the map).
  std::string fewer = original;
  size_t a = fewer.find("\"weight_map\":{") + 14, b = fewer.find(',', a);
  std::string dropped = fewer.substr(a, b - a + 1);
  fewer.erase(a, b - a + 1);
  write_text(index, fewer);
  st = WeightStore::open(index).status();
  CHECK_CODE(st, Code::CorruptFile);

  // The same key assigned to the other shard.
  std::string moved = original;
  replace_once(moved, dropped, dropped.find("00001-of") != std::string::npos
                                   ? std::string(dropped).replace(dropped.find("00001-of"), 8, "00002-of")
                                   : std::string(dropped).replace(dropped.find("00002-of"), 8, "00001-of"));
  write_text(index, moved);
  CHECK_CODE(WeightStore::open(index).status(), Code::CorruptFile);

  // Not an index, a shard outside the folder, an empty map.
  write_text(index, "{\"metadata\": {}}");
  CHECK_CODE(WeightStore::open(index).status(), Code::CorruptFile);
  write_text(index, "{\"weight_map\": {\"a\": \"../elsewhere.safetensors\"}}");
  CHECK_CODE(WeightStore::open(index).status(), Code::CorruptFile);
  write_text(index, "{\"weight_map\": {}}");
  CHECK_CODE(WeightStore::open(index).status(), Code::CorruptFile);
  write_text(index, "{\"weight_map\": ");
  CHECK_CODE(WeightStore::open(index).status(), Code::CorruptFile);
  CHECK_CODE(WeightStore::open(dir + "/absent.safetensors.index.json").status(), Code::NotFound);
}

TSR_TEST(io_sharded, open_many) {
  const std::string dir = temp_dir();
  Rng rng(3);
  REQUIRE_OK(write_safetensors(dir + "/a.safetensors", {{"x", random_tensor(rng, {2})}, {"y", random_tensor(rng, {3})}}));
  REQUIRE_OK(write_safetensors(dir + "/b.safetensors", {{"z", random_tensor(rng, {4})}}));
  REQUIRE_OK(write_safetensors(dir + "/c.safetensors", {{"y", random_tensor(rng, {3})}}));
  auto ok = WeightStore::open_many({dir + "/a.safetensors", dir + "/b.safetensors", golden("umt5_tiny.weights.pth")});
  REQUIRE_OK(ok.status());
  CHECK((*ok)->has("x") && (*ok)->has("z") && (*ok)->has("norm.weight"));
  auto z = (*ok)->info("z");
  REQUIRE_OK(z.status());
  CHECK(z->shape == (Shape{4}));
  Status st = WeightStore::open_many({dir + "/a.safetensors", dir + "/c.safetensors"}).status();
  CHECK_CODE(st, Code::CorruptFile);
  CHECK(st.message().find("'y'") != std::string::npos);
  CHECK_CODE(WeightStore::open_many({dir + "/a.safetensors", dir + "/nope.safetensors"}).status(), Code::NotFound);
  CHECK_CODE(WeightStore::open_many({}).status(), Code::InvalidArgument);
}
