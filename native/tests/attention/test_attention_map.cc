// Attention maps against dense double-precision probabilities and the reference token masks.
#include <cmath>
#include <vector>

#include "attention/attention_map.h"
#include "attention/tile_geometry.h"
#include "harness.h"
#include "reference.h"

using namespace tsr;

namespace {
struct MapCase {
  AttnSpec spec;
  Tensor q, k;
  int64_t n = 0;
};

MapCase make_case(uint64_t seed, int heads, int d) {
  MapCase c;
  test::Rng rng(seed);
  c.spec.heads = heads;
  c.spec.head_dim = d;
  c.spec.grid[0] = 4; c.spec.grid[1] = 7; c.spec.grid[2] = 9;  // 252 tokens
  c.spec.tile[0] = 2; c.spec.tile[1] = 3; c.spec.tile[2] = 4;  // 2 x 3 x 3 tiles, partial h and w
  c.n = 252;
  c.q = test::random_tensor(rng, {c.n, int64_t(heads) * d}, 2.0f);
  c.k = test::random_tensor(rng, {c.n, int64_t(heads) * d}, 2.0f);
  return c;
}

HeadPattern sta(int wt, int wh, int ww) {
  HeadPattern p;
  p.kind = AttnPattern::Sta;
  p.window[0] = wt;
  p.window[1] = wh;
  p.window[2] = ww;
  return p;
}
}  // namespace

TSR_TEST(attention_map, token_and_tile_probabilities) {
  for (int d : {64, 13}) {
    MapCase c = make_case(31 + d, 3, d);
    double scale = 1.0 / std::sqrt(double(d));
    TileLayout L(c.spec.grid, c.spec.tile);
    for (int head : {0, 2}) {
      for (int64_t token : {int64_t(0), int64_t(131), c.n - 1}) {
        auto probs = attention_probs(c.q, c.k, c.spec, MapQuery{head, token, -1}, default_pool());
        REQUIRE_OK(probs.status());
        CHECK(probs->shape() == (Shape{4, 7, 9}));
        auto ref = test::reference_probs(c.q, c.k, 3, d, head, token, scale);
        std::vector<float> ref_f(ref.begin(), ref.end());
        CHECK_REL_L2(rel_l2(probs->data_as<float>(), ref_f.data(), size_t(c.n)), 1e-5);
        double sum = 0;
        for (int64_t j = 0; j < c.n; ++j) sum += probs->data_as<float>()[j];
        CHECK_NEAR(sum, 1.0, 1e-5);
      }
      for (int64_t tile : {int64_t(0), int64_t(7), L.num_tiles() - 1}) {
        auto probs = attention_probs(c.q, c.k, c.spec, MapQuery{head, -1, tile}, default_pool());
        REQUIRE_OK(probs.status());
        std::vector<double> mean(size_t(c.n), 0.0);
        for (int64_t o = 0; o < L.tile_tokens(tile); ++o) {
          auto ref = test::reference_probs(c.q, c.k, 3, d, head, L.tile_to_raster(tile, o), scale);
          for (int64_t j = 0; j < c.n; ++j) mean[size_t(j)] += ref[size_t(j)] / double(L.tile_tokens(tile));
        }
        std::vector<float> mean_f(mean.begin(), mean.end());
        CHECK_REL_L2(rel_l2(probs->data_as<float>(), mean_f.data(), size_t(c.n)), 1e-5);
      }
    }
  }
}

TSR_TEST(attention_map, tile_mass_rows_sum_to_one_and_match_reference) {
  MapCase c = make_case(41, 2, 32);
  TileLayout L(c.spec.grid, c.spec.tile);
  int64_t T = L.num_tiles();
  auto mass = tile_mass_matrix(c.q, c.k, c.spec, 1, default_pool());
  REQUIRE_OK(mass.status());
  REQUIRE(mass->shape() == (Shape{T, T}));
  // Reference: per query token, dense probabilities summed per key tile, averaged per query tile.
  std::vector<double> ref(size_t(T * T), 0.0);
  double scale = 1.0 / std::sqrt(32.0);
  for (int64_t i = 0; i < c.n; ++i) {
    auto p = test::reference_probs(c.q, c.k, 2, 32, 1, i, scale);
    int64_t a = L.raster_to_tile(i).tile;
    for (int64_t j = 0; j < c.n; ++j)
      ref[size_t(a * T + L.raster_to_tile(j).tile)] += p[size_t(j)] / double(L.tile_tokens(a));
  }
  std::vector<float> ref_f(ref.begin(), ref.end());
  CHECK_REL_L2(rel_l2(mass->data_as<float>(), ref_f.data(), ref_f.size()), 1e-5);
  for (int64_t a = 0; a < T; ++a) {
    double row = 0;
    for (int64_t b = 0; b < T; ++b) row += mass->data_as<float>()[a * T + b];
    CHECK_NEAR(row, 1.0, 1e-5);
  }

  // Captured mass of a pattern equals the token-level kept probability mass.
  for (const HeadPattern& p : {sta(1, 1, 1), sta(1, 2, 3), sta(2, 3, 3)}) {
    auto kept = kept_matrix(c.spec.grid, c.spec.tile, p);
    REQUIRE_OK(kept.status());
    auto cap = captured_mass(*mass, *kept, c.spec.grid, c.spec.tile);
    REQUIRE_OK(cap.status());
    auto mask = test::reference_mask(c.spec.grid, c.spec.tile, p);
    double want = 0;
    for (int64_t i = 0; i < c.n; ++i) {
      auto pr = test::reference_probs(c.q, c.k, 2, 32, 1, i, scale);
      for (int64_t j = 0; j < c.n; ++j) want += mask[size_t(i * c.n + j)] ? pr[size_t(j)] : 0.0;
    }
    want /= double(c.n);
    CHECK_NEAR(*cap, want, 1e-5);
    if (p.window[0] == 2) CHECK_NEAR(*cap, 1.0, 1e-5);  // (2,3,3) covers the 2x3x3 tile grid
  }
}

TSR_TEST(attention_map, kept_matrix_matches_token_masks) {
  const int grid[3] = {5, 6, 11}, tile[3] = {2, 4, 3};
  TileLayout L(grid, tile);
  int64_t T = L.num_tiles(), n = L.num_tokens();
  HeadPattern tile_pat;
  tile_pat.kind = AttnPattern::Tile;
  tile_pat.global_frames = 1;
  for (const HeadPattern& p : {sta(1, 1, 1), sta(3, 1, 2), sta(2, 2, 4), tile_pat, HeadPattern{}}) {
    auto kept = kept_matrix(grid, tile, p);
    REQUIRE_OK(kept.status());
    auto mask = test::reference_mask(grid, tile, p);
    std::vector<int> any(size_t(T * T), 0), all(size_t(T * T), 1);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        size_t blk = size_t(L.raster_to_tile(i).tile * T + L.raster_to_tile(j).tile);
        any[blk] |= mask[size_t(i * n + j)];
        all[blk] &= mask[size_t(i * n + j)];
      }
    int bad = 0;
    for (int64_t b = 0; b < T * T; ++b) {
      float v = kept->data_as<float>()[b];
      if (v != (any[size_t(b)] ? 1.0f : 0.0f)) ++bad;
      // STA and dense keep or drop whole blocks.
      if (p.kind != AttnPattern::Tile && any[size_t(b)] != all[size_t(b)]) ++bad;
    }
    CHECK(bad == 0);
  }
}

TSR_TEST(attention_map, rejects_bad_queries) {
  MapCase c = make_case(51, 2, 8);
  CHECK_CODE(attention_probs(c.q, c.k, c.spec, MapQuery{2, 0, -1}, default_pool()).status(),
             Code::InvalidArgument);
  CHECK_CODE(attention_probs(c.q, c.k, c.spec, MapQuery{0, -1, -1}, default_pool()).status(),
             Code::InvalidArgument);
  CHECK_CODE(attention_probs(c.q, c.k, c.spec, MapQuery{0, 3, 3}, default_pool()).status(),
             Code::InvalidArgument);
  CHECK_CODE(attention_probs(c.q, c.k, c.spec, MapQuery{0, c.n, -1}, default_pool()).status(),
             Code::InvalidArgument);
  CHECK_CODE(attention_probs(c.q, c.k, c.spec, MapQuery{0, -1, 18}, default_pool()).status(),
             Code::InvalidArgument);
  AttnSpec wrong = c.spec;
  wrong.grid[0] = 5;
  CHECK_CODE(tile_mass_matrix(c.q, c.k, wrong, 0, default_pool()).status(), Code::ShapeMismatch);
  const int grid[3] = {4, 7, 9}, bad_tile[3] = {2, 0, 4};
  CHECK_CODE(kept_matrix(grid, bad_tile, HeadPattern{}).status(), Code::InvalidArgument);
  Tensor small = host_zeros(DType::F32, {3, 3});
  CHECK_CODE(captured_mass(small, small, grid, c.spec.tile).status(), Code::ShapeMismatch);
}
