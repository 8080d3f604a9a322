// Window calibration: per-head errors against an independent reference, the accumulator,
// and the selection rule (cheapest within budget, argmin fallback) on crafted errors.
#include <cmath>
#include <limits>
#include <vector>

#include "attention/calibration.h"
#include "harness.h"
#include "reference.h"

using namespace tsr;

namespace {
// Per-head relative L2 between two [tokens, heads*d] tensors.
double head_err(const Tensor& a, const Tensor& ref, int heads, int d, int h) {
  int64_t n = a.dim(0), ld = int64_t(heads) * d;
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int x = 0; x < d; ++x) {
      double r = ref.data_as<float>()[i * ld + h * d + x], o = a.data_as<float>()[i * ld + h * d + x];
      num += (o - r) * (o - r);
      den += r * r;
    }
  return std::sqrt(num / den);
}
}  // namespace

TSR_TEST(calibration, errors_match_reference_and_covering_window_wins) {
  test::Rng rng(61);
  AttnSpec spec;
  spec.heads = 3;
  spec.head_dim = 24;
  spec.grid[0] = 4; spec.grid[1] = 7; spec.grid[2] = 9;
  spec.tile[0] = 2; spec.tile[1] = 3; spec.tile[2] = 4;  // 2 x 3 x 3 tiles
  int64_t n = 252, ld = 72;
  Tensor q = test::random_tensor(rng, {n, ld}, 2.0f);
  Tensor k = test::random_tensor(rng, {n, ld}, 2.0f);
  Tensor v = test::random_tensor(rng, {n, ld});
  std::vector<Window3> cands = {{1, 1, 1}, {1, 2, 3}, {2, 3, 3}, {1, 3, 1}};
  auto errors = window_errors(q, k, v, spec, cands, default_pool());
  REQUIRE_OK(errors.status());
  REQUIRE(errors->size() == 3);

  test::RefAttn dense;
  dense.heads = 3;
  dense.head_dim = 24;
  Tensor ref_dense = test::reference_attention(q, k, v, dense);
  for (size_t c = 0; c < cands.size(); ++c) {
    HeadPattern p;
    p.kind = AttnPattern::Sta;
    for (int a = 0; a < 3; ++a) p.window[a] = cands[c][size_t(a)];
    test::RefAttn sparse = dense;
    sparse.masks.assign(3, test::reference_mask(spec.grid, spec.tile, p));
    Tensor ref_sparse = test::reference_attention(q, k, v, sparse);
    for (int h = 0; h < 3; ++h) {
      double want = head_err(ref_sparse, ref_dense, 3, 24, h), got = (*errors)[size_t(h)][c];
      if (c == 2) CHECK(got == 0.0);  // (2,3,3) covers the tile grid
      else CHECK(got > 1e-3);
      CHECK_NEAR(got, want, 1e-5 * want + 1e-6);
    }
  }

  auto exact = choose_windows(*errors, cands, spec.grid, spec.tile, 0.0);
  REQUIRE_OK(exact.status());
  for (int h = 0; h < 3; ++h) {
    CHECK(exact->candidate[size_t(h)] == 2);
    CHECK(exact->error[size_t(h)] == 0.0);
    CHECK(exact->within_budget[size_t(h)]);
  }
  CHECK(exact->stats.sparsity == 0.0);

  auto cheapest = choose_windows(*errors, cands, spec.grid, spec.tile, INFINITY);
  REQUIRE_OK(cheapest.status());
  for (int h = 0; h < 3; ++h) CHECK(cheapest->candidate[size_t(h)] == 0);  // (1,1,1): 18 blocks
  CHECK_NEAR(cheapest->stats.sparsity, 1.0 - 1.0 / 18.0, 1e-12);
}

TSR_TEST(calibration, selection_rule_on_crafted_errors) {
  const int grid[3] = {4, 4, 4}, tile[3] = {1, 1, 1};  // 4 x 4 x 4 tiles
  // Kept blocks per query tile: (1,1,1) 1, (3,3,3) 27, (1,3,3) 9, (3,3,1) 9.
  std::vector<Window3> cands = {{1, 1, 1}, {3, 3, 3}, {1, 3, 3}, {3, 3, 1}};
  std::vector<std::vector<double>> errors = {
      {0.50, 0.30, 0.40, 0.45},  // nothing within 0.15: argmin -> (3,3,3)
      {0.20, 0.05, 0.10, 0.12},  // (3,3,3) and (1,3,3), (3,3,1) within: cheapest -> (1,3,3)
      {0.90, 0.08, 0.10, 0.10},  // tie in cost between 2 and 3, tie in error: earlier -> 2
      {0.70, 0.60, 0.60, NAN},   // argmin tie between 1 and 2: cheaper -> 2; NaN ignored
  };
  auto choice = choose_windows(errors, cands, grid, tile, 0.15);
  REQUIRE_OK(choice.status());
  CHECK(choice->candidate == (std::vector<int>{1, 2, 2, 2}));
  CHECK(choice->within_budget == (std::vector<bool>{false, true, true, false}));
  CHECK(choice->error[1] == 0.10);
  CHECK(choice->patterns[1].kind == AttnPattern::Sta && choice->patterns[1].window[0] == 1 &&
        choice->patterns[1].window[1] == 3 && choice->patterns[1].window[2] == 3);
  // Plan sparsity: mean over heads of 1 - kept/64 per query tile.
  double want = ((1 - 27.0 / 64) + 3 * (1 - 9.0 / 64)) / 4;
  CHECK_NEAR(choice->stats.sparsity, want, 1e-12);

  // FastVideo's rule (argmin) is what a zero budget gives when nothing is exact.
  auto argmin = choose_windows(errors, cands, grid, tile, 0.0);
  REQUIRE_OK(argmin.status());
  CHECK(argmin->candidate == (std::vector<int>{1, 1, 1, 2}));

  CHECK_CODE(choose_windows(errors, cands, grid, tile, -1).status(), Code::InvalidArgument);
  CHECK_CODE(choose_windows(errors, cands, grid, tile, NAN).status(), Code::InvalidArgument);
  CHECK_CODE(choose_windows(errors, {}, grid, tile, 0.1).status(), Code::InvalidArgument);
  CHECK_CODE(choose_windows({{0.1, 0.2}}, cands, grid, tile, 0.1).status(), Code::ShapeMismatch);
  CHECK_CODE(choose_windows({{NAN, NAN, NAN, NAN}}, cands, grid, tile, 0.1).status(), Code::InvalidArgument);
  CHECK_CODE(choose_windows(errors, {{1, 0, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}}, grid, tile, 0.1).status(),
             Code::InvalidArgument);
}

TSR_TEST(calibration, accumulator_averages_calls) {
  WindowErrorAccumulator acc(2, 3);
  CHECK(acc.count() == 0);
  CHECK_OK(acc.add({{0.1, 0.2, 0.3}, {1.0, 2.0, 3.0}}));
  CHECK_OK(acc.add({{0.3, 0.4, 0.5}, {3.0, 4.0, 5.0}}));
  CHECK(acc.count() == 2);
  auto m = acc.mean();
  CHECK_NEAR(m[0][0], 0.2, 1e-15);
  CHECK_NEAR(m[0][2], 0.4, 1e-15);
  CHECK_NEAR(m[1][1], 3.0, 1e-15);
  CHECK_CODE(acc.add({{0.1, 0.2, 0.3}}), Code::ShapeMismatch);
  CHECK_CODE(acc.add({{0.1, 0.2}, {0.1, 0.2}}), Code::ShapeMismatch);
  CHECK(acc.count() == 2);
}

TSR_TEST(calibration, window_errors_rejects_bad_input) {
  test::Rng rng(62);
  AttnSpec spec;
  spec.heads = 1;
  spec.head_dim = 4;
  spec.grid[0] = 2; spec.grid[1] = 2; spec.grid[2] = 2;
  spec.tile[0] = 1; spec.tile[1] = 1; spec.tile[2] = 1;
  Tensor q = test::random_tensor(rng, {8, 4}), k = test::random_tensor(rng, {8, 4});
  Tensor v = test::random_tensor(rng, {8, 4});
  CHECK_CODE(window_errors(q, k, v, spec, {}, default_pool()).status(), Code::InvalidArgument);
  CHECK_CODE(window_errors(q, k, v, spec, {{0, 1, 1}}, default_pool()).status(), Code::InvalidArgument);
  Tensor short_q = test::random_tensor(rng, {7, 4});
  CHECK_CODE(window_errors(short_q, k, v, spec, {{1, 1, 1}}, default_pool()).status(), Code::ShapeMismatch);
  CHECK_OK(window_errors(q, k, v, spec, {{1, 1, 1}}, default_pool()).status());
}
