// The backend's attention() entry: wiring to attention/cpu_attention (which has its own
// pattern tests), checked here on dense self- and cross-attention against a naive reference.
#include <cmath>
#include <vector>

#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

namespace {

std::vector<double> dense_ref(const Tensor& q, const Tensor& k, const Tensor& v, int heads, int d) {
  const int64_t nq = q.dim(0), nk = k.dim(0), row = int64_t(heads) * d;
  const float *qp = q.data_as<float>(), *kp = k.data_as<float>(), *vp = v.data_as<float>();
  std::vector<double> out(size_t(nq * row));
  std::vector<double> logit(static_cast<size_t>(nk));
  for (int h = 0; h < heads; ++h)
    for (int64_t i = 0; i < nq; ++i) {
      double mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < nk; ++j) {
        double s = 0;
        for (int c = 0; c < d; ++c) s += double(qp[i * row + h * d + c]) * kp[j * row + h * d + c];
        logit[size_t(j)] = s / std::sqrt(double(d));
        mx = std::max(mx, logit[size_t(j)]);
      }
      for (int64_t j = 0; j < nk; ++j) sum += logit[size_t(j)] = std::exp(logit[size_t(j)] - mx);
      for (int c = 0; c < d; ++c) {
        double acc = 0;
        for (int64_t j = 0; j < nk; ++j) acc += logit[size_t(j)] * vp[j * row + h * d + c];
        out[size_t(i * row + h * d + c)] = acc / sum;
      }
    }
  return out;
}

}  // namespace

TSR_TEST(ops_attention, dense_self_and_cross) {
  auto be = make_cpu_backend();
  Rng rng(700);
  const int heads = 3, d = 40;
  for (auto [nq, nk] : std::vector<std::pair<int64_t, int64_t>>{{24, 24}, {30, 17}}) {
    Tensor qh = random_tensor(rng, {nq, heads * d}), kh = random_tensor(rng, {nk, heads * d});
    Tensor vh = random_tensor(rng, {nk, heads * d});
    AttnSpec spec;
    spec.heads = heads, spec.head_dim = d;
    if (nq == nk) spec.grid[0] = 2, spec.grid[1] = 3, spec.grid[2] = 4;
    Tensor o = be->attention(be->from_host(qh), be->from_host(kh), be->from_host(vh), spec);
    REQUIRE_OK(be->status());
    CHECK(o.shape() == qh.shape());
    CHECK_REL_L2(rel_l2_vs(host(*be, o), dense_ref(qh, kh, vh, heads, d)), 1e-5);
  }
}

TSR_TEST(ops_attention, errors_and_undefined) {
  auto be = make_cpu_backend();
  Rng rng(701);
  AttnSpec spec;
  spec.heads = 2, spec.head_dim = 8;
  Tensor q = be->from_host(random_tensor(rng, {5, 16}));
  CHECK(!be->attention(q, be->from_host(random_tensor(rng, {5, 2, 8})), q, spec).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->attention(q, Tensor(), q, spec).defined());
  CHECK_OK(be->status());
}
