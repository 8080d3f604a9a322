// GEMM and implicit-GEMM convolution kernels against double-precision references on the same
// bf16-rounded operands: only accumulation order and output rounding may differ.
#ifdef TSR_WITH_CUDA
#include "backend/cuda/kernels.h"
#include "cuda_test_util.h"

using namespace tsr;
using namespace tsr::test;

namespace {

double act_ref(double v, Act act) {
  if (act == Act::GeluTanh) return 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
  if (act == Act::Silu) return v / (1 + std::exp(-v));
  return v;
}

void check_gemm(Rng& rng, int64_t M, int64_t N, int64_t K, Act act, bool residual, bool f32_out, bool own) {
  auto x = bf16_round(randn(rng, M * K)), w = bf16_round(randn(rng, N * K, 1.0f / std::sqrt(float(K))));
  auto bias = randn(rng, N), gate = randn(rng, N), res0 = randn(rng, M * N);
  GuardedBuffer dx(M * K, 2), dw(N * K, 2), db(N, 4), dg(N, 4);
  dx.upload(to_bf16(x).data()); dw.upload(to_bf16(w).data()); db.upload(bias.data()); dg.upload(gate.data());
  GuardedBuffer dy(M * N, (residual || f32_out) ? 4 : 2);
  if (residual) dy.upload(res0.data());
  cuda::GemmArgs a;
  a.x = dx.as<__nv_bfloat16>(); a.w = dw.as<__nv_bfloat16>(); a.bias = db.as<float>();
  a.M = M; a.N = N; a.K = K; a.act = act;
  if (residual) { a.res = dy.as<float>(); a.gate = dg.as<float>(); }
  else { a.y = dy.ptr; a.yt = f32_out ? DType::F32 : DType::BF16; }
  a.force_own = own;
  GuardedBuffer scratch(M * N, 4);
  if (cuda::gemm_scratch_bytes(a)) a.scratch = scratch.ptr;
  CHECK_OK(cuda::gemm(a, nullptr));
  REQUIRE(cuda_ok());
  std::vector<float> out(M * N);
  if (residual || f32_out) dy.download(out.data());
  else { std::vector<uint16_t> o(M * N); dy.download(o.data()); out = from_bf16(o); }
  std::vector<double> ref(M * N);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double acc = bias[n];
      for (int64_t k = 0; k < K; ++k) acc += double(x[m * K + k]) * w[n * K + k];
      ref[m * N + n] = residual ? res0[m * N + n] + acc * gate[n] : act_ref(acc, act);
    }
  CHECK(all_finite(out));
  CHECK(dy.guard_intact());
  double tol = (residual || f32_out) ? 1e-5 : 6e-3;  // bf16 output rounding: 2^-9 relative
  double e = rel_err(out, ref);
  if (!(e <= tol)) std::printf("    gemm M=%lld N=%lld K=%lld act=%d res=%d own=%d: rel %.3g\n", (long long)M,
                               (long long)N, (long long)K, int(act), int(residual), int(own), e);
  CHECK_REL_L2(e, tol);
}

}  // namespace

TSR_TEST(cuda, gemm_matches_reference_on_odd_shapes) {
  if (!have_gpu()) return;
  Rng rng(11);
  // Both the own tensor-core kernel and (where built) cuBLASLt with the separate epilogue.
  for (bool own : {true, false}) {
    check_gemm(rng, 1, 64, 256, Act::None, false, false, own);
    check_gemm(rng, 130, 200, 72, Act::GeluTanh, false, false, own);
    check_gemm(rng, 257, 129, 520, Act::Silu, false, true, own);
    check_gemm(rng, 300, 96, 64, Act::None, true, true, own);
    check_gemm(rng, 77, 33, 13, Act::None, false, false, own);  // K % 8 != 0: fallback kernel
    for (int i = 0; i < 6; ++i)
      check_gemm(rng, rng.range(1, 300), rng.range(1, 300), 8 * rng.range(1, 40), Act(rng.range(0, 2)),
                 rng.range(0, 1) == 1, rng.range(0, 1) == 1, own);
  }
}

TSR_TEST(cuda, conv3d_matches_reference) {
  if (!have_gpu()) return;
  Rng rng(12);
  struct Case { int cin, cout, t, h, w, kt, kh, kw, st, sh, sw, pt0, pt1, ph0, ph1, pw0, pw1; };
  const Case cases[] = {
      {16, 24, 3, 6, 7, 3, 3, 3, 1, 1, 1, 2, 0, 1, 1, 1, 1},    // causal 3x3x3
      {3, 8, 1, 9, 10, 3, 3, 3, 1, 1, 1, 2, 0, 1, 1, 1, 1},     // Cin 3 (padded to 8)
      {24, 40, 3, 5, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0},    // 1x1x1
      {8, 16, 5, 4, 6, 3, 1, 1, 2, 1, 1, 0, 0, 0, 0, 0, 0},     // time conv stride 2
      {8, 8, 1, 9, 11, 1, 3, 3, 1, 2, 2, 0, 0, 0, 1, 0, 1},     // downsample: pad right/bottom, stride 2
      {32, 136, 2, 13, 17, 3, 3, 3, 1, 1, 1, 2, 0, 1, 1, 1, 1}, // Cout > one tile, odd positions
      {96, 96, 2, 9, 13, 3, 3, 3, 1, 1, 1, 2, 0, 1, 1, 1, 1},   // 96-row tile
      {96, 3, 2, 8, 10, 3, 3, 3, 1, 1, 1, 2, 0, 1, 1, 1, 1},    // the VAE head: 32-row tile
      {24, 192, 1, 5, 7, 1, 3, 3, 1, 1, 1, 0, 0, 1, 1, 1, 1},   // 96-row tile, twice
      {40, 64, 3, 6, 6, 3, 3, 3, 1, 1, 1, 2, 0, 1, 1, 1, 1},    // 64-row tile
  };
  for (const Case& c : cases) {
    int to = (c.t + c.pt0 + c.pt1 - c.kt) / c.st + 1, ho = (c.h + c.ph0 + c.ph1 - c.kh) / c.sh + 1,
        wo = (c.w + c.pw0 + c.pw1 - c.kw) / c.sw + 1;
    int taps = c.kt * c.kh * c.kw, cp = (c.cin + 7) / 8 * 8;
    int64_t P = int64_t(c.t) * c.h * c.w, Po = int64_t(to) * ho * wo;
    auto x = bf16_round(randn(rng, c.cin * P));
    auto w = bf16_round(randn(rng, size_t(c.cout) * c.cin * taps, 0.1f));
    auto bias = randn(rng, c.cout);
    // Channels-last input and packed weights, as the backend lays them out.
    std::vector<float> xcl(P * cp, 0.0f), wp(size_t(c.cout) * taps * cp, 0.0f);
    for (int ci = 0; ci < c.cin; ++ci)
      for (int64_t p = 0; p < P; ++p) xcl[p * cp + ci] = x[ci * P + p];
    for (int o = 0; o < c.cout; ++o)
      for (int ci = 0; ci < c.cin; ++ci)
        for (int t = 0; t < taps; ++t) wp[(size_t(o) * taps + t) * cp + ci] = w[(size_t(o) * c.cin + ci) * taps + t];
    GuardedBuffer dx(P * cp, 2), dw(wp.size(), 2), db(c.cout, 4), dy(c.cout * Po, 4);
    dx.upload(to_bf16(xcl).data()); dw.upload(to_bf16(wp).data()); db.upload(bias.data());
    cuda::ConvArgs a;
    a.x = dx.as<__nv_bfloat16>(); a.w = dw.as<__nv_bfloat16>(); a.bias = db.as<float>(); a.y = dy.as<float>();
    a.cin = c.cin; a.cout = c.cout; a.t = c.t; a.h = c.h; a.w_ = c.w; a.kt = c.kt; a.kh = c.kh; a.kw = c.kw;
    a.st = c.st; a.sh = c.sh; a.sw = c.sw; a.pt0 = c.pt0; a.ph0 = c.ph0; a.pw0 = c.pw0; a.to = to; a.ho = ho; a.wo = wo;
    CHECK_OK(cuda::conv3d(a, nullptr));
    REQUIRE(cuda_ok());
    std::vector<float> out(c.cout * Po);
    dy.download(out.data());
    std::vector<double> ref(out.size());
    for (int o = 0; o < c.cout; ++o)
      for (int ot = 0; ot < to; ++ot)
        for (int oh = 0; oh < ho; ++oh)
          for (int ow = 0; ow < wo; ++ow) {
            double acc = bias[o];
            for (int ci = 0; ci < c.cin; ++ci)
              for (int dt = 0; dt < c.kt; ++dt)
                for (int dh = 0; dh < c.kh; ++dh)
                  for (int dw = 0; dw < c.kw; ++dw) {
                    int it = ot * c.st + dt - c.pt0, ih = oh * c.sh + dh - c.ph0, iw = ow * c.sw + dw - c.pw0;
                    if (it < 0 || it >= c.t || ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                    acc += double(x[((int64_t(ci) * c.t + it) * c.h + ih) * c.w + iw]) *
                           w[((size_t(o) * c.cin + ci) * c.kt + dt) * c.kh * c.kw + dh * c.kw + dw];
                  }
            ref[((int64_t(o) * to + ot) * ho + oh) * wo + ow] = acc;
          }
    CHECK(all_finite(out));
    CHECK(dy.guard_intact());
    CHECK_REL_L2(rel_err(out, ref), 1e-5);
  }
}
#endif
