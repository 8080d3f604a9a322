// unary, add, mul, add_gated_, clamp against double references; NaN/Inf behaviour.
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/simd.h"
#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

TSR_TEST(ops_elementwise, unary_activations) {
  auto be = make_cpu_backend();
  Rng rng(300);
  for (float scale : {0.1f, 1.0f, 4.0f, 40.0f}) {
    Tensor xh = random_tensor(rng, {3, 1001}, scale);
    std::vector<double> gelu(size_t(xh.numel())), silu(gelu.size());
    for (size_t i = 0; i < gelu.size(); ++i) {
      const double v = xh.data_as<float>()[i];
      gelu[i] = 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
      silu[i] = v / (1.0 + std::exp(-v));
    }
    Tensor x = be->from_host(xh);
    CHECK_REL_L2(rel_l2_vs(host(*be, be->unary(x, Act::GeluTanh)), gelu), 1e-6);
    CHECK_REL_L2(rel_l2_vs(host(*be, be->unary(x, Act::Silu)), silu), 1e-6);
    CHECK(bit_equal(host(*be, be->unary(x, Act::None)), xh));
  }
  CHECK_OK(be->status());
}

TSR_TEST(ops_elementwise, exp_is_accurate_everywhere) {
  // The vectorised exp behind the activations: a few ulp over its whole clamped range.
  double worst = 0;
  for (double v = -87.0; v <= 88.0; v += 0.001) {
    const float x = float(v);
    const double ref = std::exp(double(x));
    worst = std::max(worst, std::fabs(cpu::exp_f32(x) - ref) / ref);
  }
  CHECK(worst < 4e-7);
  CHECK(std::isnan(cpu::exp_f32(NAN)));
  CHECK(cpu::exp_f32(-1000.0f) >= 0.0f && cpu::exp_f32(-1000.0f) < 1e-37f);
  CHECK(std::isfinite(cpu::exp_f32(1000.0f)));
  CHECK(cpu::silu_f32(-1000.0f) == -0.0f || std::fabs(cpu::silu_f32(-1000.0f)) < 1e-30f);
  CHECK(cpu::gelu_tanh_f32(1000.0f) == 1000.0f);
}

TSR_TEST(ops_elementwise, add_mul_gated_clamp) {
  auto be = make_cpu_backend();
  Rng rng(301);
  for (Shape s : std::vector<Shape>{{1}, {7, 13}, {3, 4, 100001}}) {
    Tensor ah = random_tensor(rng, s), bh = random_tensor(rng, s);
    Tensor a = be->from_host(ah), b = be->from_host(bh);
    std::vector<double> sum(size_t(ah.numel())), prod(sum.size()), clamped(sum.size());
    for (size_t i = 0; i < sum.size(); ++i) {
      const double x = ah.data_as<float>()[i], y = bh.data_as<float>()[i];
      sum[i] = x + y, prod[i] = x * y, clamped[i] = std::min(0.5, std::max(-0.25, x));
    }
    CHECK_REL_L2(rel_l2_vs(host(*be, be->add(a, b)), sum), 1e-7);
    CHECK_REL_L2(rel_l2_vs(host(*be, be->mul(a, b)), prod), 1e-7);
    CHECK_REL_L2(rel_l2_vs(host(*be, be->clamp(a, -0.25f, 0.5f)), clamped), 0.0);

    const int64_t n = s.back();
    Tensor gh = random_tensor(rng, {n});
    Tensor g = be->upload(gh, WeightKind::Vector);
    Tensor res = be->from_host(ah);
    be->add_gated_(res, b, &g);
    std::vector<double> gated(sum.size()), plain(sum.size());
    for (size_t i = 0; i < gated.size(); ++i) {
      gated[i] = double(ah.data_as<float>()[i]) + double(bh.data_as<float>()[i]) * gh.data_as<float>()[i % n];
      plain[i] = gated[i] + bh.data_as<float>()[i];
    }
    CHECK_REL_L2(rel_l2_vs(host(*be, res), gated), 1e-7);
    be->add_gated_(res, b, nullptr);
    CHECK_REL_L2(rel_l2_vs(host(*be, res), plain), 1e-7);
  }
  CHECK_OK(be->status());
}

TSR_TEST(ops_elementwise, nan_and_inf) {
  auto be = make_cpu_backend();
  const float inf = std::numeric_limits<float>::infinity();
  Tensor xh = host_empty(DType::F32, {5});
  const float vals[5] = {NAN, inf, -inf, 2.0f, -3.0f};
  for (int i = 0; i < 5; ++i) xh.data_as<float>()[i] = vals[i];
  Tensor c = host(*be, be->clamp(be->from_host(xh), -1.0f, 1.0f));
  CHECK(std::isnan(c.data_as<float>()[0]));
  CHECK(c.data_as<float>()[1] == 1.0f && c.data_as<float>()[2] == -1.0f);
  CHECK(c.data_as<float>()[3] == 1.0f && c.data_as<float>()[4] == -1.0f);
  Tensor g = host(*be, be->unary(be->from_host(xh), Act::GeluTanh));
  CHECK(std::isnan(g.data_as<float>()[0]));
  CHECK(g.data_as<float>()[1] == inf);
  Tensor s = host(*be, be->unary(be->from_host(xh), Act::Silu));
  CHECK(std::isnan(s.data_as<float>()[0]));
  CHECK(s.data_as<float>()[1] == inf);
}

TSR_TEST(ops_elementwise, errors) {
  auto be = make_cpu_backend();
  Rng rng(302);
  Tensor a = be->from_host(random_tensor(rng, {2, 3})), b = be->from_host(random_tensor(rng, {3, 2}));
  CHECK(!be->add(a, b).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->mul(a, b).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  Tensor g = be->from_host(random_tensor(rng, {2}));
  Tensor a2 = be->from_host(random_tensor(rng, {2, 3}));
  be->add_gated_(a, a2, &g);  // gate must have 3 entries
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->clamp(a, 1.0f, -1.0f).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->add(a, Tensor()).defined());
  CHECK(!be->unary(Tensor(), Act::Silu).defined());
  CHECK_OK(be->status());
}
