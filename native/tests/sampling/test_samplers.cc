// Samplers against the golden FlowUniPC fixtures and analytic flows; CFG arithmetic.
#include <cmath>
#include <vector>

#include "harness.h"
#include "core/json.h"
#include "io/weights.h"
#include "sampling/noise.h"
#include "sampling/sampler.h"

using namespace tsr;

namespace {

Tensor from_vec(const std::vector<float>& v, const Shape& shape) {
  Tensor t = host_empty(DType::F32, shape);
  std::copy(v.begin(), v.end(), t.data_as<float>());
  return t;
}

// The fixture's analytic "model": v(x, t) = a x + sin(t / 1000 pi) c, t the integer timestep.
void run_unipc_fixture(const std::string& name) {
  std::string dir = test::golden_dir();
  REQUIRE(!dir.empty());
  auto fx = WeightStore::open(dir + "/" + name + ".io.safetensors");
  REQUIRE_OK(fx.status());
  auto get = [&](const char* key) {
    auto t = (*fx)->get(key);
    REQUIRE_OK(t.status());
    Tensor f = host_to_f32(*t);
    return std::vector<float>(f.data_as<float>(), f.data_as<float>() + f.numel());
  };
  auto cfg = Json::parse((*fx)->metadata().at("config"));
  REQUIRE_OK(cfg.status());
  const int steps = int(cfg->get_int("steps", 0));
  const double shift = cfg->get_number("shift", 0), a = cfg->get_number("a", 0);
  SamplerOptions o;
  o.kind = SamplerKind::UniPC;
  o.steps = steps;
  o.shift = shift;
  auto s = make_sampler(o);
  REQUIRE_OK(s.status());
  // Timesteps equal, sigmas bit-exact as float32.
  const auto ts = get("timesteps");
  const auto sg = get("sigmas");
  REQUIRE(int(ts.size()) == steps && int(sg.size()) == steps + 1);
  for (int i = 0; i < steps; ++i) CHECK(double(ts[i]) == (*s)->timestep(i));
  for (int i = 0; i <= steps; ++i) CHECK(sg[i] == (*s)->sigma(i));

  const Shape shape = (*fx)->info("x_init")->shape;
  Tensor x = from_vec(get("x_init"), shape);
  const std::vector<float> c = get("c");
  int calls = 0;
  Status st = run_sampler(**s, x, [&](const Tensor& xt, int i) -> StatusOr<Tensor> {
    ++calls;
    Tensor v = host_empty(DType::F32, xt.shape());
    double sn = std::sin((*s)->timestep(i) / 1000.0 * M_PI);
    for (int64_t k = 0; k < xt.numel(); ++k)
      v.data_as<float>()[k] = float(a * xt.data_as<float>()[k] + sn * c[k]);
    return v;
  });
  REQUIRE_OK(st);
  CHECK(calls == steps);
  double err = rel_l2(x.data_as<float>(), get("x_final").data(), size_t(x.numel()));
  std::printf("    %s: x_final relative L2 %.3g\n", name.c_str(), err);
  CHECK_REL_L2(err, 1e-5);
}

// Straight-line flow towards a fixed x0: v(x, sigma) = (x - x0) / sigma. Every flow solver
// must land on x0 (the x0 prediction is exact at every step).
void check_lands_on_x0(SamplerOptions o) {
  test::Rng rng(11);
  Tensor x0 = test::random_tensor(rng, {16, 2, 3, 5});
  Tensor noise = test::random_tensor(rng, {16, 2, 3, 5});
  auto s = make_sampler(o);
  REQUIRE_OK(s.status());
  const float s0 = (*s)->sigma(0);
  Tensor x = host_empty(DType::F32, x0.shape());
  for (int64_t k = 0; k < x.numel(); ++k)
    x.data_as<float>()[k] = (1 - s0) * x0.data_as<float>()[k] + s0 * noise.data_as<float>()[k];
  REQUIRE_OK(run_sampler(**s, x, [&](const Tensor& xt, int i) -> StatusOr<Tensor> {
    Tensor v = host_empty(DType::F32, xt.shape());
    const double sigma = (*s)->sigma(i);
    for (int64_t k = 0; k < xt.numel(); ++k)
      v.data_as<float>()[k] = float((xt.data_as<float>()[k] - x0.data_as<float>()[k]) / sigma);
    return v;
  }));
  CHECK_REL_L2(rel_l2(x, x0), 1e-5);
}

}  // namespace

TSR_TEST(samplers, golden_flow_unipc_50) { run_unipc_fixture("flow_unipc_50"); }
TSR_TEST(samplers, golden_flow_unipc_8) { run_unipc_fixture("flow_unipc_8"); }

TSR_TEST(samplers, straight_flow_lands_on_x0) {
  SamplerOptions o;
  for (SamplerKind k : {SamplerKind::UniPC, SamplerKind::Euler}) {
    for (int steps : {1, 2, 3, 8}) {
      o.kind = k;
      o.steps = steps;
      o.shift = 3.0;
      check_lands_on_x0(o);
    }
  }
  o.kind = SamplerKind::FewStep;
  o.timesteps = {1000, 757, 522};
  o.shift = 8.0;
  o.seed = 5;
  check_lands_on_x0(o);
}

TSR_TEST(samplers, euler_matches_hand_computation) {
  SamplerOptions o;
  o.kind = SamplerKind::Euler;
  o.steps = 4;
  o.shift = 5.0;
  auto s = make_sampler(o);
  REQUIRE_OK(s.status());
  // Constant velocity 1: Euler moves x by sigma_N - sigma_0 = -sigma_0.
  Tensor x = host_zeros(DType::F32, {7});
  Tensor v = host_empty(DType::F32, {7});
  for (int k = 0; k < 7; ++k) v.data_as<float>()[k] = 1.0f;
  for (int i = 0; i < 4; ++i) REQUIRE_OK((*s)->step(i, v, x));
  CHECK_NEAR(x.data_as<float>()[3], -double((*s)->sigma(0)), 1e-6);
}

TSR_TEST(samplers, fewstep_renoises_with_seeded_noise) {
  SamplerOptions o;
  o.kind = SamplerKind::FewStep;
  o.timesteps = {1000, 757, 522};
  o.shift = 1.0;
  o.seed = 99;
  auto run = [&](uint64_t seed) {
    o.seed = seed;
    auto s = make_sampler(o);
    Tensor x = host_zeros(DType::F32, {4, 4});
    std::vector<std::vector<float>> seen;
    Status st = run_sampler(**s, x, [&](const Tensor& xt, int) -> StatusOr<Tensor> {
      seen.emplace_back(xt.data_as<float>(), xt.data_as<float>() + xt.numel());
      return host_zeros(DType::F32, xt.shape());  // v = 0: x0 prediction = x
    });
    CHECK_OK(st);
    return seen;
  };
  auto a = run(99), b = run(99), c = run(100);
  CHECK(a == b);
  CHECK(a != c);
  // Step 1 sees (1 - 0.757) * 0 + 0.757 * eps_1 with eps from stream 1.
  REQUIRE(a.size() == 3);
  CHECK_NEAR(a[1][5], 0.757f * seeded_normal(99, 1, 5), 1e-6);
}

TSR_TEST(samplers, steps_out_of_order_or_wrong_shape_fail) {
  SamplerOptions o;
  o.steps = 3;
  auto s = make_sampler(o);
  REQUIRE_OK(s.status());
  Tensor x = host_zeros(DType::F32, {2, 3});
  Tensor v = host_zeros(DType::F32, {2, 3});
  Tensor w = host_zeros(DType::F32, {3, 2});
  CHECK_CODE((*s)->step(1, v, x), Code::Internal);
  CHECK_CODE((*s)->step(0, w, x), Code::ShapeMismatch);
  CHECK_OK((*s)->step(0, v, x));
  o.kind = SamplerKind::FewStep;
  o.timesteps = {};
  CHECK_CODE(make_sampler(o).status(), Code::InvalidArgument);
}

TSR_TEST(samplers, cfg_combines_in_float32) {
  test::Rng rng(3);
  Tensor c = test::random_tensor(rng, {5, 7}), u = test::random_tensor(rng, {5, 7});
  Tensor out = host_empty(DType::F32, {5, 7});
  REQUIRE_OK(apply_cfg(c, u, 5.0f, out));
  for (int k = 0; k < 35; ++k) {
    float cv = c.data_as<float>()[k], uv = u.data_as<float>()[k];
    CHECK(out.data_as<float>()[k] == uv + 5.0f * (cv - uv));
  }
  // g = 1 gives the conditional velocity; in-place use is allowed.
  REQUIRE_OK(apply_cfg(c, u, 1.0f, u));
  CHECK_REL_L2(rel_l2(u, c), 1e-7);
  CHECK(!cfg_needs_uncond(1.0f));
  CHECK(!cfg_needs_uncond(0.0f));
  CHECK(cfg_needs_uncond(1.5f));
  Tensor bad = host_empty(DType::F32, {7, 5});
  CHECK_CODE(apply_cfg(c, bad, 2.0f, out), Code::ShapeMismatch);
}
