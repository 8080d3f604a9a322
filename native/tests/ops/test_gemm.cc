// linear / linear_residual_ and the raw GEMM against a double-precision reference, on every
// micro-kernel this machine can run, with sizes that are not multiples of any block.
#include <cmath>
#include <vector>

#include "backend/cpu/gemm.h"
#include "core/threadpool.h"
#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

namespace {

double act_ref(double v, Act act) {
  switch (act) {
    case Act::GeluTanh: return 0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
    case Act::Silu: return v / (1.0 + std::exp(-v));
    case Act::None: return v;
  }
  return v;
}

// act(x·wᵀ + b) in double; x [M,K], w [N,K].
std::vector<double> linear_ref(const Tensor& x, const Tensor& w, const Tensor* b, Act act) {
  const int64_t K = w.dim(1), N = w.dim(0), M = x.numel() / K;
  const float *xp = x.data_as<float>(), *wp = w.data_as<float>();
  std::vector<double> y(size_t(M * N));
  for (int64_t i = 0; i < M; ++i)
    for (int64_t n = 0; n < N; ++n) {
      double s = b ? b->data_as<float>()[n] : 0.0;
      for (int64_t k = 0; k < K; ++k) s += double(xp[i * K + k]) * wp[n * K + k];
      y[size_t(i * N + n)] = act_ref(s, act);
    }
  return y;
}

// Runs `body` once per micro-kernel available here, restoring the default afterwards.
template <class F>
void for_each_isa(F&& body) {
  const cpu::Isa saved = cpu::gemm_isa();
  for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512}) {
    if (!cpu::set_gemm_isa(isa)) continue;
    body(isa);
  }
  cpu::set_gemm_isa(saved);
}

struct Sizes {
  int64_t M, N, K;
};

std::vector<Sizes> odd_sizes(Rng& rng, int random_cases) {
  std::vector<Sizes> s = {{1, 1, 1},   {1, 37, 300}, {4, 65, 17},  {5, 33, 7},    {13, 31, 1},
                          {14, 32, 256}, {15, 33, 257}, {29, 300, 3}, {300, 1, 299}, {97, 129, 513}};
  for (int i = 0; i < random_cases; ++i) {
    Sizes z{rng.range(1, 300), rng.range(1, 300), rng.range(1, 300)};
    z.M |= 1, z.N |= 1, z.K |= 1;  // odd: never a multiple of a tile
    s.push_back(z);
  }
  return s;
}

}  // namespace

TSR_TEST(ops_gemm, linear_matches_double_reference_all_kernels) {
  auto be = make_cpu_backend();
  for_each_isa([&](cpu::Isa isa) {
    Rng rng(11 + int(isa));
    int idx = 0;
    for (const Sizes& z : odd_sizes(rng, 8)) {
      const Act act = Act(idx++ % 3);
      Tensor xh = random_tensor(rng, {z.M, z.K}), wh = random_tensor(rng, {z.N, z.K}, 0.3f);
      Tensor bh = random_tensor(rng, {z.N});
      const bool with_bias = idx % 2;
      Tensor x = be->from_host(xh), w = be->upload(wh, WeightKind::Matrix), b = be->upload(bh, WeightKind::Vector);
      Tensor y = be->linear(x, w, with_bias ? &b : nullptr, act);
      REQUIRE_OK(be->status());
      REQUIRE(y.shape() == (Shape{z.M, z.N}));
      double err = rel_l2_vs(host(*be, y), linear_ref(xh, wh, with_bias ? &bh : nullptr, act));
      if (!(err <= 1e-5))
        std::fprintf(stderr, "    %s M=%lld N=%lld K=%lld act=%d\n", cpu::isa_name(isa), (long long)z.M,
                     (long long)z.N, (long long)z.K, int(act));
      CHECK_REL_L2(err, 1e-5);
    }
  });
}

TSR_TEST(ops_gemm, leading_dims_and_long_k) {
  auto be = make_cpu_backend();
  Rng rng(3);
  // [2, 3, 7, K] activations; K spans several K blocks, so partial sums are carried.
  for (int64_t K : {255, 256, 257, 700, 1031}) {
    Tensor xh = random_tensor(rng, {2, 3, 7, K}), wh = random_tensor(rng, {45, K}, 0.1f), bh = random_tensor(rng, {45});
    Tensor y = be->linear(be->from_host(xh), be->upload(wh, WeightKind::Matrix), &bh, Act::GeluTanh);
    REQUIRE_OK(be->status());
    CHECK(y.shape() == (Shape{2, 3, 7, 45}));
    CHECK_REL_L2(rel_l2_vs(host(*be, y), linear_ref(xh, wh, &bh, Act::GeluTanh)), 1e-5);
  }
}

// Work splitting for many threads (desktop CPUs have 8-32): more items than row blocks, the
// shared packed A, conv bands. Oversubscribed here, which only costs time.
TSR_TEST(ops_gemm, many_threads) {
  const int saved = default_pool().size();
  set_default_pool_threads(13);
  {
    auto be = make_cpu_backend();
    Rng rng(6);
    for (Sizes z : std::vector<Sizes>{{1, 70, 33}, {7, 300, 129}, {150, 65, 600}, {290, 37, 77}}) {
      Tensor xh = random_tensor(rng, {z.M, z.K}), wh = random_tensor(rng, {z.N, z.K}, 0.2f), bh = random_tensor(rng, {z.N});
      Tensor y = be->linear(be->from_host(xh), be->upload(wh, WeightKind::Matrix), &bh, Act::GeluTanh);
      CHECK_REL_L2(rel_l2_vs(host(*be, y), linear_ref(xh, wh, &bh, Act::GeluTanh)), 1e-5);
      Tensor rh = random_tensor(rng, {z.M, z.N});
      Tensor res = be->from_host(rh);
      be->linear_residual_(res, be->from_host(xh), be->upload(wh, WeightKind::Matrix), &bh, nullptr);
      std::vector<double> ref = linear_ref(xh, wh, &bh, Act::None);
      for (size_t i = 0; i < ref.size(); ++i) ref[i] += rh.data_as<float>()[i];
      CHECK_REL_L2(rel_l2_vs(host(*be, res), ref), 1e-5);
    }
    CHECK_OK(be->status());
  }
  set_default_pool_threads(saved);
}

// Tall activations: A too large to pack once, so each work item packs its own row block.
TSR_TEST(ops_gemm, tall_activations) {
  auto be = make_cpu_backend();
  Rng rng(4);
  for (int64_t K : {300, 520}) {
    Tensor xh = random_tensor(rng, {4201, K}), wh = random_tensor(rng, {45, K}, 0.1f), bh = random_tensor(rng, {45});
    Tensor y = be->linear(be->from_host(xh), be->upload(wh, WeightKind::Matrix), &bh, Act::Silu);
    REQUIRE_OK(be->status());
    CHECK_REL_L2(rel_l2_vs(host(*be, y), linear_ref(xh, wh, &bh, Act::Silu)), 1e-5);
  }
}

TSR_TEST(ops_gemm, linear_residual_gated_and_plain) {
  auto be = make_cpu_backend();
  for_each_isa([&](cpu::Isa isa) {
    Rng rng(21 + int(isa));
    // Small M (dot-product path), one K block (fused into the residual), several K blocks
    // (through the workspace).
    for (Sizes z : std::vector<Sizes>{{1, 33, 65}, {3, 70, 300}, {37, 65, 129}, {61, 47, 600}, {150, 99, 1000}}) {
      for (int variant = 0; variant < 3; ++variant) {
        const bool use_gate = variant != 1, use_bias = variant != 2;
        Tensor xh = random_tensor(rng, {z.M, z.K}), wh = random_tensor(rng, {z.N, z.K}, 0.2f);
        Tensor bh = random_tensor(rng, {z.N}), gh = random_tensor(rng, {z.N}), rh = random_tensor(rng, {z.M, z.N});
        Tensor res = be->from_host(rh);
        Tensor b = be->upload(bh, WeightKind::Vector), g = be->upload(gh, WeightKind::Vector);
        be->linear_residual_(res, be->from_host(xh), be->upload(wh, WeightKind::Matrix), use_bias ? &b : nullptr,
                             use_gate ? &g : nullptr);
        REQUIRE_OK(be->status());
        std::vector<double> ref = linear_ref(xh, wh, use_bias ? &bh : nullptr, Act::None);
        for (int64_t i = 0; i < z.M; ++i)
          for (int64_t n = 0; n < z.N; ++n) {
            double& r = ref[size_t(i * z.N + n)];
            r = rh.data_as<float>()[i * z.N + n] + r * (use_gate ? gh.data_as<float>()[n] : 1.0f);
          }
        CHECK_REL_L2(rel_l2_vs(host(*be, res), ref), 1e-5);
      }
    }
  });
}

// The raw GEMM with padded leading dimensions: values between rows (and after the matrix)
// are guards that must survive untouched.
TSR_TEST(ops_gemm, raw_gemm_stays_inside_its_matrices) {
  const float kGuard = -777.25f;
  for_each_isa([&](cpu::Isa isa) {
    Rng rng(31 + int(isa));
    for (Sizes z : std::vector<Sizes>{{7, 9, 5}, {33, 70, 260}, {130, 65, 31}, {3, 200, 50}}) {
      const int64_t lda = z.K + 3, ldw = z.K + 5, ldc = z.N + 7;
      std::vector<float> A(size_t(z.M * lda)), W(size_t(z.N * ldw)), C(size_t(z.M * ldc + 64), kGuard);
      for (float& v : A) v = rng.normal();
      for (float& v : W) v = rng.normal();
      cpu::GemmArgs g;
      g.M = z.M, g.N = z.N, g.K = z.K;
      g.A = A.data(), g.lda = lda;
      g.B.w = W.data(), g.B.ldw = ldw;
      g.C = C.data(), g.ldc = ldc;
      REQUIRE_OK(cpu::gemm(g, default_pool()));
      double num = 0, den = 0;
      bool guards_ok = true;
      for (int64_t i = 0; i < z.M; ++i) {
        for (int64_t n = 0; n < z.N; ++n) {
          double s = 0;
          for (int64_t k = 0; k < z.K; ++k) s += double(A[size_t(i * lda + k)]) * W[size_t(n * ldw + k)];
          double d = C[size_t(i * ldc + n)] - s;
          num += d * d, den += s * s;
        }
        for (int64_t n = z.N; n < ldc; ++n) guards_ok &= C[size_t(i * ldc + n)] == kGuard;
      }
      for (size_t i = size_t(z.M * ldc); i < C.size(); ++i) guards_ok &= C[i] == kGuard;
      CHECK(guards_ok);
      CHECK_REL_L2(std::sqrt(num / den), 1e-5);
    }
  });
}

// Residual mode over several K blocks without a supplied workspace (gemm() allocates one).
TSR_TEST(ops_gemm, raw_gemm_residual_own_workspace) {
  Rng rng(32);
  const int64_t M = 40, N = 50, K = 700;
  std::vector<float> A(size_t(M * K)), W(size_t(N * K)), R(size_t(M * N)), gate(static_cast<size_t>(N));
  for (float& v : A) v = rng.normal();
  for (float& v : W) v = rng.normal();
  for (float& v : R) v = rng.normal();
  for (float& v : gate) v = rng.normal();
  const std::vector<float> R0 = R;
  cpu::GemmArgs g;
  g.M = M, g.N = N, g.K = K;
  g.A = A.data(), g.lda = K;
  g.B.w = W.data(), g.B.ldw = K;
  g.R = R.data(), g.ldr = N;
  g.gate = gate.data();
  REQUIRE_OK(cpu::gemm(g, default_pool()));
  double num = 0, den = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t n = 0; n < N; ++n) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += double(A[size_t(i * K + k)]) * W[size_t(n * K + k)];
      const double ref = R0[size_t(i * N + n)] + s * gate[size_t(n)];
      num += (R[size_t(i * N + n)] - ref) * (R[size_t(i * N + n)] - ref), den += ref * ref;
    }
  CHECK_REL_L2(std::sqrt(num / den), 1e-5);
}

TSR_TEST(ops_gemm, empty_inner_dimension_gives_bias) {
  auto be = make_cpu_backend();
  Rng rng(5);
  Tensor bh = random_tensor(rng, {9});
  Tensor y = be->linear(be->empty({6, 0}), be->empty({9, 0}), &bh, Act::Silu);
  REQUIRE_OK(be->status());
  std::vector<double> ref(54);
  for (int i = 0; i < 54; ++i) ref[size_t(i)] = act_ref(bh.data_as<float>()[i % 9], Act::Silu);
  CHECK_REL_L2(rel_l2_vs(host(*be, y), ref), 1e-6);
}

TSR_TEST(ops_gemm, nan_propagates_and_finite_stays_finite) {
  auto be = make_cpu_backend();
  Rng rng(8);
  Tensor xh = random_tensor(rng, {20, 40}, 30.0f), wh = random_tensor(rng, {50, 40}, 3.0f);
  // Large pre-activations: the activations must saturate, not overflow to NaN.
  for (Act act : {Act::GeluTanh, Act::Silu}) {
    Tensor y = host(*be, be->linear(be->from_host(xh), be->upload(wh, WeightKind::Matrix), nullptr, act));
    bool finite = true;
    for (int64_t i = 0; i < y.numel(); ++i) finite &= std::isfinite(y.data_as<float>()[i]);
    CHECK(finite);
    CHECK_REL_L2(rel_l2_vs(y, linear_ref(xh, wh, nullptr, act)), 1e-5);
  }
  xh.data_as<float>()[3 * 40 + 7] = NAN;
  Tensor y = host(*be, be->linear(be->from_host(xh), be->upload(wh, WeightKind::Matrix), nullptr, Act::GeluTanh));
  for (int64_t n = 0; n < 50; ++n) CHECK(std::isnan(y.data_as<float>()[3 * 50 + n]));
  CHECK(std::isfinite(y.data_as<float>()[2 * 50]));
}

TSR_TEST(ops_gemm, shape_errors_are_sticky_and_undefined) {
  auto be = make_cpu_backend();
  Rng rng(9);
  Tensor x = be->from_host(random_tensor(rng, {3, 5})), w = be->upload(random_tensor(rng, {4, 6}), WeightKind::Matrix);
  Tensor y = be->linear(x, w, nullptr, Act::None);
  CHECK(!y.defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  // A later valid op still runs, but the first error stays.
  Tensor w2 = be->upload(random_tensor(rng, {4, 5}), WeightKind::Matrix);
  CHECK(be->linear(x, w2, nullptr, Act::None).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  Tensor bad_bias = be->upload(random_tensor(rng, {3}), WeightKind::Vector);
  CHECK(!be->linear(x, w2, &bad_bias, Act::None).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  Tensor res = be->from_host(random_tensor(rng, {3, 3}));
  be->linear_residual_(res, x, w2, nullptr, nullptr);
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  // Undefined in, undefined out, no new error.
  CHECK(!be->linear(Tensor(), w2, nullptr, Act::None).defined());
  CHECK_OK(be->status());
  // bf16 host weights must be uploaded first.
  Tensor wb = host_empty(DType::BF16, {4, 5});
  CHECK(!be->linear(x, wb, nullptr, Act::None).defined());
  CHECK_CODE(be->status(), Code::UnsupportedDtype);
}

// Weights packed for one micro-kernel still work after switching to another (repacked on
// the fly), and plain row-major f32 weights (not uploaded as Matrix) work too.
TSR_TEST(ops_gemm, weights_across_kernels_and_layouts) {
  auto be = make_cpu_backend();
  Rng rng(41);
  std::vector<std::pair<Tensor, Tensor>> packed;  // (host, uploaded) per kernel
  std::vector<cpu::Isa> isas;
  const cpu::Isa saved = cpu::gemm_isa();
  for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512})
    if (cpu::set_gemm_isa(isa)) {
      Tensor wh = random_tensor(rng, {75, 300});
      packed.push_back({wh, be->upload(wh, WeightKind::Matrix)});
      isas.push_back(isa);
    }
  for (cpu::Isa isa : isas) {
    cpu::set_gemm_isa(isa);
    for (int64_t M : {1, 3, 5, 40}) {
      Tensor xh = random_tensor(rng, {M, 300});
      Tensor x = be->from_host(xh);
      for (auto& [wh, w] : packed)
        CHECK_REL_L2(rel_l2_vs(host(*be, be->linear(x, w, nullptr, Act::Silu)), linear_ref(xh, wh, nullptr, Act::Silu)),
                     1e-5);
      Tensor plain = be->upload(packed[0].first, WeightKind::Conv);  // row-major, used in place
      CHECK_REL_L2(rel_l2_vs(host(*be, be->linear(x, plain, nullptr, Act::None)),
                             linear_ref(xh, packed[0].first, nullptr, Act::None)), 1e-5);
    }
  }
  cpu::set_gemm_isa(saved);
  CHECK_OK(be->status());
}
