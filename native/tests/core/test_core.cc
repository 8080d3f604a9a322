// Core utilities: dtype conversion, tensor views, thread pool.
#include <atomic>
#include <cmath>
#include <vector>

#include "core/dtype.h"
#include "core/tensor.h"
#include "core/threadpool.h"
#include "harness.h"

using namespace tsr;

TSR_TEST(core, bf16_round_trip) {
  CHECK(f32_to_bf16(1.0f) == 0x3f80);
  CHECK(bf16_to_f32(0x3f80) == 1.0f);
  // 1 + 2^-8 lies exactly between two bf16 values: ties go to even (1.0).
  CHECK(bf16_to_f32(f32_to_bf16(1.00390625f)) == 1.0f);
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
  test::Rng rng(1);
  for (int i = 0; i < 1000; ++i) {
    float x = rng.normal() * 100;
    float y = bf16_to_f32(f32_to_bf16(x));
    CHECK(std::fabs(x - y) <= std::fabs(x) * (1.0f / 256));
  }
}

TSR_TEST(core, f16_round_trip) {
  CHECK(f32_to_f16(1.0f) == 0x3c00);
  CHECK(f16_to_f32(0x3c00) == 1.0f);
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
  CHECK(f32_to_f16(70000.0f) == 0x7c00);               // overflow to inf
  test::Rng rng(2);
  for (int i = 0; i < 1000; ++i) {
    float x = rng.normal() * 10;
    float y = f16_to_f32(f32_to_f16(x));
    CHECK(std::fabs(x - y) <= std::fabs(x) * (1.0f / 1024) + 6e-8f);
  }
}

TSR_TEST(core, tensor_views) {
  Tensor t = host_zeros(DType::F32, {4, 3});
  REQUIRE(t.defined());
  Tensor r = t.rows(1, 2);
  CHECK(r.shape() == (Shape{2, 3}));
  CHECK(r.data_as<float>() == t.data_as<float>() + 3);
  CHECK(t.reshape({-1}).shape() == Shape{12});
  CHECK(!t.reshape({5, 2}).defined());
  CHECK(!t.rows(3, 2).defined());
}

TSR_TEST(core, thread_pool_covers_range_once) {
  ThreadPool pool(4);
  for (int64_t n : {1, 7, 100, 12345}) {
    std::vector<std::atomic<int>> hits(n);
    pool.parallel_for(n, 3, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[i]++;
      // Nested use runs inline instead of deadlocking.
      pool.parallel_for(2, 1, [](int64_t, int64_t) {});
    });
    for (auto& h : hits) CHECK(h.load() == 1);
  }
}

#include "core/json.h"

TSR_TEST(core, json_parse_and_dump) {
  auto j = Json::parse(R"({"a": 1.5, "b": [1, 2, {"c": "x\u00e9\n"}], "d": true, "e": null})");
  REQUIRE(j.ok());
  CHECK(j->get_number("a", 0) == 1.5);
  CHECK(j->find("b")->items().size() == 3);
  CHECK(j->find("b")->items()[2].get_string("c", "") == "x\xc3\xa9\n");
  CHECK(j->get_bool("d", false));
  CHECK(j->find("e")->is_null());
  auto back = Json::parse(j->dump());
  REQUIRE(back.ok());
  CHECK(back->dump() == j->dump());
  for (const char* bad : {"{", "[1,", "{\"a\" 1}", "\"abc", "1 2", "[1,]x"})
    CHECK_CODE(Json::parse(bad).status(), Code::CorruptFile);
}
