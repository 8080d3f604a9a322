// conv3d against a direct double-precision convolution: the VAE's causal 3×3×3 and 1×1×1
// convs, the patch embedding's (1,2,2) stride, and random kernels, strides and paddings.
#include <cmath>
#include <vector>

#include "backend/cpu/gemm.h"
#include "core/threadpool.h"
#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

namespace {

std::vector<double> conv_ref(const Tensor& x, const Tensor& w, const Tensor* b, const Conv3dSpec& s,
                             Shape& out_shape) {
  const int64_t ci = x.dim(0), T = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t co = w.dim(0), kt = w.dim(2), kh = w.dim(3), kw = w.dim(4);
  const int64_t To = (T + s.pad[0][0] + s.pad[0][1] - kt) / s.stride[0] + 1;
  const int64_t Ho = (H + s.pad[1][0] + s.pad[1][1] - kh) / s.stride[1] + 1;
  const int64_t Wo = (W + s.pad[2][0] + s.pad[2][1] - kw) / s.stride[2] + 1;
  out_shape = {co, To, Ho, Wo};
  const float *xp = x.data_as<float>(), *wp = w.data_as<float>();
  std::vector<double> y(size_t(co * To * Ho * Wo));
  for (int64_t o = 0; o < co; ++o)
    for (int64_t t = 0; t < To; ++t)
      for (int64_t h = 0; h < Ho; ++h)
        for (int64_t q = 0; q < Wo; ++q) {
          double acc = b ? b->data_as<float>()[o] : 0.0;
          for (int64_t c = 0; c < ci; ++c)
            for (int64_t a = 0; a < kt; ++a)
              for (int64_t e = 0; e < kh; ++e)
                for (int64_t f = 0; f < kw; ++f) {
                  const int64_t ti = t * s.stride[0] + a - s.pad[0][0];
                  const int64_t hi = h * s.stride[1] + e - s.pad[1][0];
                  const int64_t wi = q * s.stride[2] + f - s.pad[2][0];
                  if (ti < 0 || ti >= T || hi < 0 || hi >= H || wi < 0 || wi >= W) continue;
                  acc += double(xp[((c * T + ti) * H + hi) * W + wi]) * wp[(((o * ci + c) * kt + a) * kh + e) * kw + f];
                }
          y[size_t(((o * To + t) * Ho + h) * Wo + q)] = acc;
        }
  return y;
}

Conv3dSpec make_spec(int st, int sh, int sw, int pt0, int pt1, int ph0, int ph1, int pw0, int pw1) {
  Conv3dSpec s;
  s.stride[0] = st, s.stride[1] = sh, s.stride[2] = sw;
  s.pad[0][0] = pt0, s.pad[0][1] = pt1, s.pad[1][0] = ph0, s.pad[1][1] = ph1, s.pad[2][0] = pw0, s.pad[2][1] = pw1;
  return s;
}

void check_conv(Backend& be, Rng& rng, Shape xs, Shape ws, const Conv3dSpec& spec, bool bias) {
  Tensor xh = random_tensor(rng, xs), wh = random_tensor(rng, ws, 0.2f), bh = random_tensor(rng, {ws[0]});
  Tensor b = be.upload(bh, WeightKind::Vector);
  Tensor y = be.conv3d(be.from_host(xh), be.upload(wh, WeightKind::Conv), bias ? &b : nullptr, spec);
  REQUIRE_OK(be.status());
  Shape out_shape;
  std::vector<double> ref = conv_ref(xh, wh, bias ? &bh : nullptr, spec, out_shape);
  CHECK(y.shape() == out_shape);
  const double err = rel_l2_vs(host(be, y), ref);
  if (!(err <= 1e-5))
    std::fprintf(stderr, "    x %s w %s err %g\n", shape_str(xs).c_str(), shape_str(ws).c_str(), err);
  CHECK_REL_L2(err, 1e-5);
}

}  // namespace

TSR_TEST(ops_conv3d, vae_shapes) {
  auto be = make_cpu_backend();
  Rng rng(400);
  // CausalConv3d k3: 2 frames of front padding in T, 1 each side in H and W.
  const Conv3dSpec causal = make_spec(1, 1, 1, 2, 0, 1, 1, 1, 1);
  check_conv(*be, rng, {8, 3, 6, 9}, {16, 8, 3, 3, 3}, causal, true);
  check_conv(*be, rng, {16, 1, 5, 7}, {8, 16, 3, 3, 3}, causal, true);
  check_conv(*be, rng, {5, 4, 11, 13}, {3, 5, 3, 3, 3}, causal, false);   // head: 3 output channels
  check_conv(*be, rng, {16, 3, 4, 6}, {16, 16, 1, 1, 1}, Conv3dSpec{}, true);  // 1×1×1 (conv2, shortcut)
  check_conv(*be, rng, {8, 3, 4, 5}, {16, 8, 3, 1, 1}, make_spec(1, 1, 1, 2, 0, 0, 0, 0, 0), true);  // time_conv
  check_conv(*be, rng, {8, 1, 10, 12}, {4, 8, 1, 3, 3}, make_spec(1, 1, 1, 0, 0, 1, 1, 1, 1), true);  // conv2d 3×3
  check_conv(*be, rng, {16, 3, 8, 12}, {32, 16, 1, 2, 2}, make_spec(1, 2, 2, 0, 0, 0, 0, 0, 0), true);  // patchify
}

TSR_TEST(ops_conv3d, random_kernels_strides_paddings_all_isas) {
  auto be = make_cpu_backend();
  const cpu::Isa saved = cpu::gemm_isa();
  for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512}) {
    if (!cpu::set_gemm_isa(isa)) continue;
    Rng rng(401 + int(isa));
    for (int trial = 0; trial < 12; ++trial) {
      const int64_t ci = rng.range(1, 9), co = rng.range(1, 37);
      const int64_t kt = rng.range(1, 3), kh = rng.range(1, 4), kw = rng.range(1, 4);
      const int st = rng.range(1, 2), sh = rng.range(1, 3), sw = rng.range(1, 3);
      const int pt0 = rng.range(0, 2), pt1 = rng.range(0, 1), ph0 = rng.range(0, 2), ph1 = rng.range(0, 2);
      const int pw0 = rng.range(0, 2), pw1 = rng.range(0, 2);
      const int64_t T = rng.range(int(std::max<int64_t>(1, kt - pt0 - pt1)), 4);
      const int64_t H = rng.range(int(std::max<int64_t>(1, kh - ph0 - ph1)), 13);
      const int64_t W = rng.range(int(std::max<int64_t>(1, kw - pw0 - pw1)), 40);
      check_conv(*be, rng, {ci, T, H, W}, {co, ci, kt, kh, kw}, make_spec(st, sh, sw, pt0, pt1, ph0, ph1, pw0, pw1),
                 trial % 3 != 0);
    }
  }
  cpu::set_gemm_isa(saved);
}

// Few output channels take the direct path (register tiles of channels × columns read from
// x, zero-filled copies at the W edges): wide rows so interior and edge tiles both occur.
TSR_TEST(ops_conv3d, direct_path_small_cout_all_isas) {
  auto be = make_cpu_backend();
  const cpu::Isa saved = cpu::gemm_isa();
  for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512}) {
    if (!cpu::set_gemm_isa(isa)) continue;
    Rng rng(403 + int(isa));
    for (int64_t co : {1, 3, 8, 9, 16}) {
      check_conv(*be, rng, {5, 3, 6, 100}, {co, 5, 3, 3, 3}, make_spec(1, 1, 1, 2, 0, 1, 1, 1, 1), co % 2 == 1);
      check_conv(*be, rng, {4, 5, 9, 77}, {co, 4, 2, 3, 5}, make_spec(2, 2, 1, 1, 0, 0, 2, 2, 3), true);
      check_conv(*be, rng, {3, 2, 4, 70}, {co, 3, 1, 1, 1}, Conv3dSpec{}, true);
    }
  }
  cpu::set_gemm_isa(saved);
}

// Long reductions with many output channels take the packed implicit GEMM.
TSR_TEST(ops_conv3d, implicit_gemm_path_all_isas) {
  auto be = make_cpu_backend();
  const cpu::Isa saved = cpu::gemm_isa();
  for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512}) {
    if (!cpu::set_gemm_isa(isa)) continue;
    Rng rng(404 + int(isa));
    check_conv(*be, rng, {116, 2, 4, 37}, {20, 116, 3, 3, 3}, make_spec(1, 1, 1, 2, 0, 1, 1, 1, 1), true);
    check_conv(*be, rng, {130, 3, 5, 9}, {33, 130, 2, 3, 5}, make_spec(1, 2, 1, 1, 0, 1, 0, 2, 2), false);
    check_conv(*be, rng, {9, 2, 6, 20}, {17, 9, 1, 3, 3}, make_spec(1, 1, 2, 0, 0, 1, 1, 1, 1), true);  // stride W
  }
  cpu::set_gemm_isa(saved);
}

TSR_TEST(ops_conv3d, many_threads) {
  const int saved = default_pool().size();
  set_default_pool_threads(11);
  {
    auto be = make_cpu_backend();
    Rng rng(405);
    const Conv3dSpec causal = make_spec(1, 1, 1, 2, 0, 1, 1, 1, 1);
    check_conv(*be, rng, {8, 3, 37, 45}, {8, 8, 3, 3, 3}, causal, true);       // direct, many bands
    check_conv(*be, rng, {120, 2, 5, 9}, {24, 120, 3, 3, 3}, causal, true);    // implicit GEMM
  }
  set_default_pool_threads(saved);
}

TSR_TEST(ops_conv3d, errors) {
  auto be = make_cpu_backend();
  Rng rng(402);
  Tensor x = be->from_host(random_tensor(rng, {4, 2, 5, 5}));
  Tensor w_bad_cin = be->upload(random_tensor(rng, {8, 3, 3, 3, 3}), WeightKind::Conv);
  CHECK(!be->conv3d(x, w_bad_cin, nullptr, Conv3dSpec{}).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  Tensor w = be->upload(random_tensor(rng, {8, 4, 3, 3, 3}), WeightKind::Conv);
  CHECK(!be->conv3d(x, w, nullptr, Conv3dSpec{}).defined());  // T = 2 < kernel 3, no padding
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  Conv3dSpec neg = make_spec(1, 1, 1, -1, 0, 0, 0, 0, 0);
  CHECK(!be->conv3d(x, w, nullptr, neg).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  Conv3dSpec zero_stride = make_spec(0, 1, 1, 2, 0, 1, 1, 1, 1);
  CHECK(!be->conv3d(x, w, nullptr, zero_stride).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  Tensor b5 = be->from_host(random_tensor(rng, {5}));
  CHECK(!be->conv3d(x, w, &b5, make_spec(1, 1, 1, 2, 0, 1, 1, 1, 1)).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
}
