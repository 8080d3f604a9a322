// The streamed umT5 (host weights, one layer uploaded at a time) computes exactly what the
// resident one does, from f32 and bf16 checkpoints, and loads with the same checks.
#include <cmath>

#include "harness.h"
#include "models/model_fixtures.h"
#include "models/t5.h"

namespace tsr {
namespace {

TSR_TEST(models_t5, streamed_equals_resident) {
  auto fixtures = test::golden_fixtures("umt5_");
  REQUIRE(!fixtures.empty());
  auto be = make_cpu_backend();
  int compared = 0;
  for (auto& f : fixtures) {
    auto cfg = T5Config::from_json(f.config);
    REQUIRE_OK(cfg.status());
    Tensor ids_f = test::load_f32(*f.io, "ids"), mask = test::load_f32(*f.io, "mask");
    REQUIRE(ids_f.defined() && mask.defined());
    std::vector<int32_t> ids;
    int real_len = 0;
    for (int64_t i = 0; i < ids_f.numel(); ++i) {
      ids.push_back(int32_t(std::lround(ids_f.data_as<float>()[i])));
      if (mask.data_as<float>()[i] > 0.5f) real_len = int(i) + 1;
    }
    for (const auto& w : f.weights) {
      auto store = WeightStore::open(w.path);
      REQUIRE_OK(store.status());
      auto resident = UmT5Encoder::load(**store, *cfg, *be, T5Residency::Resident);
      auto streamed = UmT5Encoder::load(**store, *cfg, *be, T5Residency::Streamed);
      REQUIRE_OK(resident.status());
      REQUIRE_OK(streamed.status());
      CHECK((*streamed)->residency() == T5Residency::Streamed);
      CHECK((*streamed)->params() == (*resident)->params());
      auto a = (*resident)->encode(ids, real_len), b = (*streamed)->encode(ids, real_len);
      REQUIRE_OK(a.status());
      REQUIRE_OK(b.status());
      CHECK(rel_l2(*b, *a) == 0.0);
      ++compared;
    }
  }
  CHECK(compared >= 3);
}

}  // namespace
}  // namespace tsr
