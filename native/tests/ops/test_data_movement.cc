// permute (up to 6 dims), concat, slice, embedding and upsample2x against index-by-index
// references: these ops only move values, so results must be bit-exact.
#include <numeric>
#include <vector>

#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

namespace {

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t a = 1;
  for (size_t i = s.size(); i-- > 0;) st[i] = a, a *= s[i];
  return st;
}

// y[idx] = x[idx permuted back], visiting every output index with an odometer.
Tensor permute_ref(const Tensor& x, const std::vector<int>& perm) {
  const Shape& in = x.shape();
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[size_t(perm[i])];
  Tensor y = host_empty(DType::F32, out);
  const std::vector<int64_t> ist = strides_of(in);
  std::vector<int64_t> idx(out.size(), 0);
  for (int64_t o = 0; o < y.numel(); ++o) {
    int64_t off = 0;
    for (size_t i = 0; i < out.size(); ++i) off += idx[i] * ist[size_t(perm[i])];
    y.data_as<float>()[o] = x.data_as<float>()[off];
    for (size_t i = out.size(); i-- > 0;) {
      if (++idx[i] < out[i]) break;
      idx[i] = 0;
    }
  }
  return y;
}

}  // namespace

TSR_TEST(ops_data, permute_random_up_to_6d) {
  auto be = make_cpu_backend();
  Rng rng(500);
  // The model's own permutes first (patchify / unpatchify / head split), then random ones.
  struct Case {
    Shape s;
    std::vector<int> p;
  };
  std::vector<Case> cases = {{{16, 3, 4, 2, 6, 2}, {1, 3, 5, 0, 2, 4}},
                             {{3, 4, 6, 2, 2, 16}, {5, 0, 3, 1, 4, 2}},
                             {{77, 12, 128}, {1, 0, 2}},
                             {{130, 70}, {1, 0}},
                             {{5, 1, 7}, {1, 2, 0}},
                             {{4, 5}, {0, 1}}};
  for (int t = 0; t < 40; ++t) {
    const int nd = rng.range(1, 6);
    Shape s(static_cast<size_t>(nd));
    for (auto& d : s) d = rng.range(1, nd <= 3 ? 40 : 7);
    std::vector<int> p(static_cast<size_t>(nd));
    std::iota(p.begin(), p.end(), 0);
    for (int i = nd - 1; i > 0; --i) std::swap(p[size_t(i)], p[size_t(rng.range(0, i))]);
    cases.push_back({s, p});
  }
  for (const Case& c : cases) {
    Tensor xh = random_tensor(rng, c.s);
    Tensor y = host(*be, be->permute(be->from_host(xh), c.p));
    REQUIRE_OK(be->status());
    CHECK(bit_equal(y, permute_ref(xh, c.p)));
  }
}

TSR_TEST(ops_data, concat_and_slice) {
  auto be = make_cpu_backend();
  Rng rng(501);
  for (int dim : {0, 1, 2, -1}) {
    Shape a{3, 4, 5}, b{3, 4, 5};
    const int d = dim < 0 ? dim + 3 : dim;
    b[size_t(d)] = 2;
    Shape c = a;
    c[size_t(d)] = 0;  // an empty part is allowed
    Tensor ah = random_tensor(rng, a), bh = random_tensor(rng, b);
    Tensor y = host(*be, be->concat({be->from_host(ah), be->from_host(bh), be->empty(c)}, dim));
    REQUIRE_OK(be->status());
    Shape ys = a;
    ys[size_t(d)] += 2;
    REQUIRE(y.shape() == ys);
    // Slicing the result back gives the parts exactly.
    Tensor yb = be->from_host(y);
    CHECK(bit_equal(host(*be, be->slice(yb, dim, 0, a[size_t(d)])), ah));
    CHECK(bit_equal(host(*be, be->slice(yb, dim, a[size_t(d)], ys[size_t(d)])), bh));
    CHECK(be->slice(yb, dim, 1, 1).numel() == 0);
  }
  CHECK_OK(be->status());
  // Element-level check of slice on a middle axis.
  Tensor xh = random_tensor(rng, {2, 6, 3});
  Tensor s = host(*be, be->slice(be->from_host(xh), 1, 2, 5));
  bool ok = s.shape() == (Shape{2, 3, 3});
  for (int i = 0; ok && i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) ok &= s.data_as<float>()[(i * 3 + j) * 3 + k] == xh.data_as<float>()[(i * 6 + j + 2) * 3 + k];
  CHECK(ok);
}

TSR_TEST(ops_data, embedding) {
  auto be = make_cpu_backend();
  Rng rng(502);
  Tensor table_h = random_tensor(rng, {50, 24});
  Tensor table = be->upload(table_h, WeightKind::Embedding);
  const std::vector<int32_t> ids = {0, 49, 7, 7, 13};
  Tensor y = host(*be, be->embedding(table, ids));
  REQUIRE(y.shape() == (Shape{5, 24}));
  bool ok = true;
  for (size_t i = 0; i < ids.size(); ++i)
    for (int j = 0; j < 24; ++j) ok &= y.data_as<float>()[i * 24 + j] == table_h.data_as<float>()[ids[i] * 24 + j];
  CHECK(ok);
  CHECK(!be->embedding(table, {3, 50}).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->embedding(table, {-1}).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
}

TSR_TEST(ops_data, upsample2x) {
  auto be = make_cpu_backend();
  Rng rng(503);
  for (Shape s : std::vector<Shape>{{3, 2, 5, 7}, {1, 1, 1, 1}, {4, 9, 33}}) {
    Tensor xh = random_tensor(rng, s);
    Tensor y = host(*be, be->upsample2x(be->from_host(xh)));
    REQUIRE_OK(be->status());
    const int64_t H = s[s.size() - 2], W = s.back(), planes = xh.numel() / (H * W);
    Shape ys = s;
    ys[ys.size() - 2] *= 2, ys.back() *= 2;
    REQUIRE(y.shape() == ys);
    bool ok = true;
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t h = 0; h < 2 * H; ++h)
        for (int64_t w = 0; w < 2 * W; ++w)
          ok &= y.data_as<float>()[(p * 2 * H + h) * 2 * W + w] == xh.data_as<float>()[(p * H + h / 2) * W + w / 2];
    CHECK(ok);
  }
  CHECK(!be->upsample2x(be->from_host(random_tensor(rng, {5}))).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
}

TSR_TEST(ops_data, errors) {
  auto be = make_cpu_backend();
  Rng rng(504);
  Tensor x = be->from_host(random_tensor(rng, {2, 3, 4}));
  CHECK(!be->permute(x, {0, 1}).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->permute(x, {0, 1, 1}).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->concat({x, be->from_host(random_tensor(rng, {2, 4, 4}))}, 2).defined());
  CHECK_CODE(be->status(), Code::ShapeMismatch);
  be->clear_error();
  CHECK(!be->concat({x, x}, 3).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->slice(x, 1, 2, 4).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->slice(x, 0, 2, 1).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->concat({x, Tensor()}, 0).defined());
  CHECK_OK(be->status());
}
