// rope3d_ against a reference written from spec/wan21.md §3.6, token by token in double.
#include <cmath>
#include <vector>

#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

namespace {

// For pair j of head_dim d: which axis it belongs to, its index within the axis, and the
// axis' real-dimension count (the exponent denominator).
void pair_axis(int d, int j, int& axis, int& jj, int& denom) {
  const int dt = d - 4 * (d / 6), dh = 2 * (d / 6);
  const int pt = dt / 2, ph = dh / 2;
  if (j < pt) axis = 0, jj = j, denom = dt;
  else if (j < pt + ph) axis = 1, jj = j - pt, denom = dh;
  else axis = 2, jj = j - pt - ph, denom = dh;
}

std::vector<double> rope_ref(const Tensor& x, int heads, int d, const int grid[3]) {
  std::vector<double> y = to_double(x);
  const int64_t tokens = int64_t(grid[0]) * grid[1] * grid[2];
  for (int64_t t = 0; t < tokens; ++t) {
    const int pos[3] = {int(t / (grid[1] * grid[2])), int((t / grid[2]) % grid[1]), int(t % grid[2])};
    for (int h = 0; h < heads; ++h)
      for (int j = 0; j < d / 2; ++j) {
        int axis, jj, denom;
        pair_axis(d, j, axis, jj, denom);
        const double angle = pos[axis] * std::pow(10000.0, -2.0 * jj / denom);
        double* p = &y[size_t(t * heads * d + h * d + 2 * j)];
        const double re = p[0], im = p[1];
        p[0] = re * std::cos(angle) - im * std::sin(angle);
        p[1] = re * std::sin(angle) + im * std::cos(angle);
      }
  }
  return y;
}

}  // namespace

TSR_TEST(ops_rope, matches_spec_reference) {
  auto be = make_cpu_backend();
  Rng rng(200);
  struct Case {
    int heads, d, grid[3];
  };
  // d = 128 (real), 32 and 96 (golden fixtures), odd pair counts, small d, long axes (large angles).
  for (Case c : std::vector<Case>{{2, 128, {3, 4, 6}}, {3, 32, {3, 4, 6}}, {1, 96, {2, 5, 3}}, {2, 22, {5, 3, 2}},
                                  {1, 2, {2, 2, 2}}, {1, 12, {1, 1, 700}}, {4, 64, {21, 6, 8}}}) {
    const int64_t tokens = int64_t(c.grid[0]) * c.grid[1] * c.grid[2];
    Tensor xh = random_tensor(rng, {tokens, int64_t(c.heads) * c.d});
    Tensor x = be->from_host(xh);
    be->rope3d_(x, c.heads, c.d, c.grid);
    REQUIRE_OK(be->status());
    CHECK_REL_L2(rel_l2_vs(host(*be, x), rope_ref(xh, c.heads, c.d, c.grid)), 1e-6);
  }
}

TSR_TEST(ops_rope, axis_split_of_head_dim_128) {
  // Spec: t uses 44 real dims, h and w 42 each. A token at (0, 0, w) only rotates the last 42.
  auto be = make_cpu_backend();
  Rng rng(201);
  const int grid[3] = {1, 1, 3};
  Tensor xh = random_tensor(rng, {3, 128});
  Tensor x = be->from_host(xh);
  be->rope3d_(x, 1, 128, grid);
  Tensor y = host(*be, x);
  for (int i = 0; i < 86; ++i) CHECK(y.data_as<float>()[2 * 128 + i] == xh.data_as<float>()[2 * 128 + i]);
  CHECK(y.data_as<float>()[2 * 128 + 86] != xh.data_as<float>()[2 * 128 + 86]);
}

TSR_TEST(ops_rope, errors) {
  auto be = make_cpu_backend();
  Rng rng(202);
  const int grid[3] = {2, 2, 2};
  Tensor x = be->from_host(random_tensor(rng, {8, 64}));
  be->rope3d_(x, 2, 31, grid);  // odd head_dim
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  const int wrong[3] = {2, 2, 3};
  be->rope3d_(x, 2, 32, wrong);  // 12 tokens expected, 8 given
  CHECK_CODE(be->status(), Code::ShapeMismatch);
}
