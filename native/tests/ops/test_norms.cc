// layer_norm, layer_norm_modulate, rms_norm and rms_norm_channels against double references.
#include <cmath>
#include <vector>

#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

namespace {

// Rows of x[..., n]: (x - mean)/sqrt(var + eps) in double (biased variance).
std::vector<double> normalized_ref(const Tensor& x, double eps) {
  const int64_t n = x.dim(-1), rows = x.numel() / n;
  const float* p = x.data_as<float>();
  std::vector<double> y(size_t(x.numel()));
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i) mean += p[r * n + i];
    mean /= double(n);
    for (int64_t i = 0; i < n; ++i) var += (p[r * n + i] - mean) * (p[r * n + i] - mean);
    var /= double(n);
    for (int64_t i = 0; i < n; ++i) y[size_t(r * n + i)] = (p[r * n + i] - mean) / std::sqrt(var + eps);
  }
  return y;
}

}  // namespace

TSR_TEST(ops_norms, layer_norm_plain_and_affine) {
  auto be = make_cpu_backend();
  Rng rng(100);
  for (Shape s : std::vector<Shape>{{1, 1}, {7, 33}, {3, 5, 300}, {64, 1536}, {2, 17}}) {
    // A large common offset checks that the variance does not cancel.
    Tensor xh = random_tensor(rng, s, 2.0f);
    for (int64_t i = 0; i < xh.numel(); ++i) xh.data_as<float>()[i] += 50.0f;
    const int64_t n = s.back();
    Tensor wh = random_tensor(rng, {n}), bh = random_tensor(rng, {n});
    std::vector<double> base = normalized_ref(xh, 1e-6);
    Tensor y = be->layer_norm(be->from_host(xh), nullptr, nullptr, 1e-6f);
    CHECK_REL_L2(rel_l2_vs(host(*be, y), base), 1e-5);
    Tensor w = be->upload(wh, WeightKind::Vector), b = be->upload(bh, WeightKind::Vector);
    Tensor ya = be->layer_norm(be->from_host(xh), &w, &b, 1e-6f);
    std::vector<double> ref = base;
    for (size_t i = 0; i < ref.size(); ++i) ref[i] = ref[i] * wh.data_as<float>()[i % n] + bh.data_as<float>()[i % n];
    CHECK_REL_L2(rel_l2_vs(host(*be, ya), ref), 1e-5);
    CHECK(ya.shape() == s);
    // Weight only, bias only.
    std::vector<double> ref_w = base, ref_b = base;
    for (size_t i = 0; i < base.size(); ++i) ref_w[i] *= wh.data_as<float>()[i % n], ref_b[i] += bh.data_as<float>()[i % n];
    CHECK_REL_L2(rel_l2_vs(host(*be, be->layer_norm(be->from_host(xh), &w, nullptr, 1e-6f)), ref_w), 1e-5);
    CHECK_REL_L2(rel_l2_vs(host(*be, be->layer_norm(be->from_host(xh), nullptr, &b, 1e-6f)), ref_b), 1e-5);
  }
  CHECK_OK(be->status());
}

TSR_TEST(ops_norms, layer_norm_modulate) {
  auto be = make_cpu_backend();
  Rng rng(101);
  for (Shape s : std::vector<Shape>{{9, 31}, {70, 96}, {1, 1536}}) {
    const int64_t n = s.back();
    Tensor xh = random_tensor(rng, s), sh = random_tensor(rng, {1, n}), sc = random_tensor(rng, {n}, 0.5f);
    Tensor y = be->layer_norm_modulate(be->from_host(xh), be->from_host(sh), be->from_host(sc), 1e-6f);
    std::vector<double> ref = normalized_ref(xh, 1e-6);
    for (size_t i = 0; i < ref.size(); ++i)
      ref[i] = ref[i] * (1.0 + sc.data_as<float>()[i % n]) + sh.data_as<float>()[i % n];
    CHECK_REL_L2(rel_l2_vs(host(*be, y), ref), 1e-5);
  }
  CHECK_OK(be->status());
}

TSR_TEST(ops_norms, rms_norm) {
  auto be = make_cpu_backend();
  Rng rng(102);
  for (Shape s : std::vector<Shape>{{5, 3}, {33, 129}, {4, 1536}}) {
    const int64_t n = s.back(), rows = shape_numel(s) / n;
    Tensor xh = random_tensor(rng, s, 3.0f), wh = random_tensor(rng, {n});
    Tensor y = be->rms_norm(be->from_host(xh), be->upload(wh, WeightKind::Vector), 1e-6f);
    std::vector<double> ref(size_t(xh.numel()));
    const float* x = xh.data_as<float>();
    for (int64_t r = 0; r < rows; ++r) {
      double ms = 0;
      for (int64_t i = 0; i < n; ++i) ms += double(x[r * n + i]) * x[r * n + i];
      ms /= double(n);
      for (int64_t i = 0; i < n; ++i) ref[size_t(r * n + i)] = x[r * n + i] / std::sqrt(ms + 1e-6) * wh.data_as<float>()[i];
    }
    CHECK_REL_L2(rel_l2_vs(host(*be, y), ref), 1e-5);
  }
  CHECK_OK(be->status());
}

TSR_TEST(ops_norms, rms_norm_channels) {
  auto be = make_cpu_backend();
  Rng rng(103);
  for (Shape s : std::vector<Shape>{{3, 2, 5, 7}, {16, 1, 33, 17}, {96, 3, 8, 12}, {8, 600}}) {
    const int64_t C = s[0], P = shape_numel(s) / C;
    Tensor xh = random_tensor(rng, s), gh = random_tensor(rng, {C, 1, 1, 1});
    // One position entirely zero: the 1e-12 floor keeps it finite (zero).
    for (int64_t c = 0; c < C; ++c) xh.data_as<float>()[c * P + 1] = 0.0f;
    Tensor y = be->rms_norm_channels(be->from_host(xh), be->upload(gh, WeightKind::Vector));
    std::vector<double> ref(size_t(xh.numel()));
    const float* x = xh.data_as<float>();
    for (int64_t p = 0; p < P; ++p) {
      double ss = 0;
      for (int64_t c = 0; c < C; ++c) ss += double(x[c * P + p]) * x[c * P + p];
      double inv = std::sqrt(double(C)) / std::max(std::sqrt(ss), 1e-12);
      for (int64_t c = 0; c < C; ++c) ref[size_t(c * P + p)] = x[c * P + p] * inv * gh.data_as<float>()[c];
    }
    CHECK_REL_L2(rel_l2_vs(host(*be, y), ref), 1e-5);
  }
  CHECK_OK(be->status());
}

TSR_TEST(ops_norms, shape_errors) {
  auto be = make_cpu_backend();
  Rng rng(104);
  Tensor x = be->from_host(random_tensor(rng, {4, 8}));
  Tensor w7 = be->from_host(random_tensor(rng, {7}));
  CHECK(!be->layer_norm(x, &w7, nullptr, 1e-6f).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->rms_norm(x, w7, 1e-6f).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->layer_norm_modulate(x, w7, w7, 1e-6f).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->rms_norm_channels(x, w7).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->rms_norm(Tensor(), w7, 1e-6f).defined());
  CHECK_OK(be->status());
}
