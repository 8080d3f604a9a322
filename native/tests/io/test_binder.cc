// WeightBinder: binding every tensor, and the first problem reported with its code.
#include "io/safetensors_writer.h"
#include "io_test_util.h"

using namespace tsr;
using namespace tsr::test;

namespace {

std::shared_ptr<WeightStore> small_store(std::map<std::string, Tensor> ts) {
  std::string p = temp_dir() + "/w.safetensors";
  Status st = write_safetensors(p, ts);
  if (!st.ok()) fail(__FILE__, __LINE__, st.to_string());
  auto s = WeightStore::open(p);
  if (!s.ok()) fail(__FILE__, __LINE__, s.status().to_string());
  return s.ok() ? *s : nullptr;
}

std::map<std::string, Tensor> dit_like(Rng& rng) {
  return {{"blocks.3.ffn.0.weight", random_tensor(rng, {64, 32})},
          {"blocks.3.ffn.0.bias", random_tensor(rng, {64})},
          {"head.modulation", random_tensor(rng, {1, 2, 32})}};
}

}  // namespace

TSR_TEST(io_binder, binds_all_and_counts_params) {
  Rng rng(1);
  auto ts = dit_like(rng);
  auto store = small_store(ts);
  REQUIRE(store);
  HostUploadBackend be;
  WeightBinder b(*store, be, "dit");
  Tensor w = b.take("blocks.3.ffn.0.weight", {64, 32}, WeightKind::Matrix);
  Tensor bias = b.take("blocks.3.ffn.0.bias", {64}, WeightKind::Vector);
  Tensor mod = b.take_optional("head.modulation", {1, 2, 32}, WeightKind::Vector);
  Tensor absent = b.take_optional("head.extra", {4}, WeightKind::Vector);
  CHECK(!absent.defined());
  REQUIRE(w.defined() && bias.defined() && mod.defined());
  CHECK(same_tensor(w, ts["blocks.3.ffn.0.weight"]));
  CHECK(same_tensor(mod, ts["head.modulation"]));
  b.take("blocks.3.ffn.0.bias", {64}, WeightKind::Vector);  // a second take is not counted twice
  CHECK_OK(b.finish());
  CHECK(b.params() == 64 * 32 + 64 + 64);
}

TSR_TEST(io_binder, shape_mismatch_message) {
  Rng rng(2);
  auto store = small_store(dit_like(rng));
  REQUIRE(store);
  HostUploadBackend be;
  WeightBinder b(*store, be, "dit");
  Tensor w = b.take("blocks.3.ffn.0.weight", {128, 32}, WeightKind::Matrix);
  CHECK(!w.defined());
  b.take("blocks.3.ffn.0.bias", {64}, WeightKind::Vector);
  b.take("head.modulation", {1, 2, 32}, WeightKind::Vector);
  Status st = b.finish();
  CHECK_CODE(st, Code::ShapeMismatch);
  CHECK(st.message() == "dit: blocks.3.ffn.0.weight has shape [64, 32], expected [128, 32]");
}

TSR_TEST(io_binder, missing_key_is_first_error) {
  Rng rng(3);
  auto store = small_store(dit_like(rng));
  REQUIRE(store);
  HostUploadBackend be;
  WeightBinder b(*store, be, "vae");
  b.take("decoder.conv1.weight", {8, 16, 3, 3, 3}, WeightKind::Conv);
  b.take("blocks.3.ffn.0.weight", {1, 1}, WeightKind::Matrix);  // later problems do not replace it
  Status st = b.finish();
  CHECK_CODE(st, Code::MissingKey);
  CHECK(st.message().find("vae: ") == 0);
  CHECK(st.message().find("decoder.conv1.weight") != std::string::npos);
}

TSR_TEST(io_binder, unexpected_keys_listed_up_to_ten) {
  Rng rng(4);
  std::map<std::string, Tensor> ts;
  for (int i = 0; i < 13; ++i) ts["extra." + std::to_string(100 + i)] = random_tensor(rng, {2});
  ts["used"] = random_tensor(rng, {3});
  ts["encoder.conv1.weight"] = random_tensor(rng, {1});
  auto store = small_store(ts);
  REQUIRE(store);
  HostUploadBackend be;
  WeightBinder b(*store, be, "t5");
  b.take("used", {3}, WeightKind::Vector);
  b.ignore_prefix("encoder.");
  Status st = b.finish();
  CHECK_CODE(st, Code::UnexpectedKey);
  CHECK(st.message().find("13 tensors") != std::string::npos);
  CHECK(st.message().find("extra.100") != std::string::npos);
  CHECK(st.message().find("extra.109") != std::string::npos);
  CHECK(st.message().find("extra.110") == std::string::npos);
  CHECK(st.message().find("3 more") != std::string::npos);
  CHECK(st.message().find("encoder.") == std::string::npos);
}

TSR_TEST(io_binder, dtype_and_upload_failures) {
  Rng rng(5);
  std::map<std::string, Tensor> ts{{"ids", host_zeros(DType::I64, {4})}, {"w", random_tensor(rng, {16, 16})}};
  auto store = small_store(ts);
  REQUIRE(store);
  {
    HostUploadBackend be;
    WeightBinder b(*store, be, "dit");
    b.take("ids", {4}, WeightKind::Vector);
    b.take("w", {16, 16}, WeightKind::Matrix);
    CHECK_CODE(b.finish(), Code::UnsupportedDtype);
  }
  {
    HostUploadBackend be;
    be.budget = 100;  // smaller than the 1 KB matrix
    WeightBinder b(*store, be, "dit");
    b.ignore_prefix("ids");
    Tensor w = b.take("w", {16, 16}, WeightKind::Matrix);
    CHECK(!w.defined());
    Status st = b.finish();
    CHECK_CODE(st, Code::OutOfMemory);
    CHECK(st.message().find("dit: ") == 0);
  }
}
