// Tile layout, token orders, kept predicates, counts and pattern statistics, checked against
// direct enumeration and the reference token masks.
#include <vector>

#include "attention/patterns.h"
#include "attention/tile_geometry.h"
#include "harness.h"
#include "reference.h"

using namespace tsr;

namespace {
struct LayoutCase {
  int grid[3], tile[3];
};
const LayoutCase kLayouts[] = {
    {{21, 30, 52}, {6, 8, 8}},  // Wan 480p: partial tiles on every axis
    {{5, 7, 9}, {2, 3, 4}},
    {{4, 8, 8}, {4, 8, 8}},  // one tile
    {{3, 1, 5}, {1, 1, 1}},  // one token per tile
    {{7, 6, 10}, {8, 2, 3}},  // tile larger than the grid on t
};

HeadPattern sta(int wt, int wh, int ww) {
  HeadPattern p;
  p.kind = AttnPattern::Sta;
  p.window[0] = wt;
  p.window[1] = wh;
  p.window[2] = ww;
  return p;
}
}  // namespace

TSR_TEST(tile_geometry, counts_and_extents) {
  constexpr int g[3] = {21, 30, 52}, t[3] = {6, 8, 8};
  constexpr TileLayout L(g, t);
  static_assert(L.num_tiles() == 4 * 4 * 7, "ceil tiles");
  static_assert(L.extent(0, 3) == 3 && L.extent(1, 3) == 6 && L.extent(2, 6) == 4, "partial tiles");
  static_assert(L.tile_tokens(L.num_tiles() - 1) == 3 * 6 * 4, "last tile");
  CHECK(L.num_tokens() == 32760);
  int64_t sum = 0;
  for (int64_t i = 0; i < L.num_tiles(); ++i) sum += L.tile_tokens(i);
  CHECK(sum == L.num_tokens());
  CHECK(ceil_div(7, 3) == 3);
  const int zero_grid[3] = {0, 1, 1}, ones[3] = {1, 1, 1};
  CHECK(!TileLayout(zero_grid, ones).valid());
  CHECK(TileLayout(ones, ones).valid());
}

TSR_TEST(tile_geometry, tile_major_order_is_the_spec_permutation) {
  for (const auto& c : kLayouts) {
    TileLayout L(c.grid, c.tile);
    // Expected order, built directly: tiles in raster order, tokens inside in raster order.
    std::vector<int64_t> order;
    for (int a = 0; a < L.tiles[0]; ++a)
      for (int b = 0; b < L.tiles[1]; ++b)
        for (int d = 0; d < L.tiles[2]; ++d)
          for (int x = a * c.tile[0]; x < std::min(c.grid[0], (a + 1) * c.tile[0]); ++x)
            for (int y = b * c.tile[1]; y < std::min(c.grid[1], (b + 1) * c.tile[1]); ++y)
              for (int z = d * c.tile[2]; z < std::min(c.grid[2], (d + 1) * c.tile[2]); ++z)
                order.push_back((int64_t(x) * c.grid[1] + y) * c.grid[2] + z);
    REQUIRE(int64_t(order.size()) == L.num_tokens());
    int bad = 0;
    for (int64_t pos = 0; pos < L.num_tokens(); ++pos) {
      int64_t tok = order[size_t(pos)];
      if (L.raster_to_tile_major(tok) != pos) ++bad;
      if (L.tile_major_to_raster(pos) != tok) ++bad;
      TilePos tp = L.raster_to_tile(tok);
      if (L.tile_to_raster(tp.tile, tp.offset) != tok) ++bad;
      if (L.tile_start(tp.tile) + tp.offset != pos) ++bad;
      if (tp.offset < 0 || tp.offset >= L.tile_tokens(tp.tile)) ++bad;
    }
    CHECK(bad == 0);
  }
}

TSR_TEST(tile_geometry, sta_predicate_and_counts) {
  // Spec examples on one axis of 7 tiles, window 3: edge query tiles keep 3 tiles too.
  CHECK(sta_axis_keep(0, 2, 3, 7) && !sta_axis_keep(0, 3, 3, 7));
  CHECK(sta_axis_keep(6, 4, 3, 7) && !sta_axis_keep(6, 3, 3, 7));
  CHECK(sta_axis_keep(3, 2, 3, 7) && sta_axis_keep(3, 4, 3, 7) && !sta_axis_keep(3, 5, 3, 7));
  // Even windows behave as w+1; windows >= the axis keep it whole.
  CHECK(sta_span(2, 7) == 3 && sta_span(4, 7) == 5 && sta_span(9, 7) == 7 && sta_span(6, 7) == 7);
  for (int n = 1; n <= 8; ++n)
    for (int w = 1; w <= 10; ++w)
      for (int q = 0; q < n; ++q) {
        int kept = 0;
        for (int k = 0; k < n; ++k) kept += sta_axis_keep(q, k, w, n);
        CHECK(kept == sta_span(w, n));
        CHECK(sta_axis_keep(q, q, w, n));  // a query tile always sees itself
      }

  for (const auto& c : kLayouts) {
    TileLayout L(c.grid, c.tile);
    if (L.num_tokens() > 400) continue;  // token masks below are N²
    for (const auto& p : {sta(1, 1, 1), sta(2, 1, 3), sta(3, 3, 3), sta(1, 2, 5)}) {
      // Blocks: brute force over tile pairs.
      int64_t kept_blocks = 0;
      for (int64_t qt = 0; qt < L.num_tiles(); ++qt) {
        int64_t row = 0;
        for (int64_t kt = 0; kt < L.num_tiles(); ++kt) row += block_kept(L, p, qt, kt);
        CHECK(row == sta_kept_per_query_tile(L, p.window));
        kept_blocks += row;
      }
      CHECK(kept_blocks == sta_kept_blocks(L, p.window));
      // Token pairs against the reference mask.
      auto mask = test::reference_mask(c.grid, c.tile, p);
      int64_t pairs = 0;
      for (uint8_t m : mask) pairs += m;
      CHECK(pairs == sta_kept_token_pairs(L, p.window));
      PatternStats s = pattern_stats(L, p);
      double n = double(L.num_tokens());
      CHECK_NEAR(s.token_sparsity, 1.0 - double(pairs) / (n * n), 1e-12);
    }
  }
}

TSR_TEST(tile_geometry, attention_tile_predicate_and_counts) {
  CHECK(tile_frame_keep(3, 3, 0) && !tile_frame_keep(3, 2, 0));
  CHECK(tile_frame_keep(5, 1, 2) && tile_frame_keep(1, 5, 2) && !tile_frame_keep(5, 2, 2));
  for (const auto& c : kLayouts) {
    TileLayout L(c.grid, c.tile);
    if (L.num_tokens() > 400) continue;
    for (int g : {0, 1, 2, 9}) {
      HeadPattern p;
      p.kind = AttnPattern::Tile;
      p.global_frames = g;
      auto mask = test::reference_mask(c.grid, c.tile, p);
      int64_t n = L.num_tokens(), pairs = 0;
      for (uint8_t m : mask) pairs += m;
      CHECK(pairs == tile_kept_token_pairs(L, g));
      // A block is kept iff some token pair in it is kept.
      std::vector<uint8_t> any(size_t(L.num_tiles() * L.num_tiles()), 0);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
          if (mask[size_t(i * n + j)])
            any[size_t(L.raster_to_tile(i).tile * L.num_tiles() + L.raster_to_tile(j).tile)] = 1;
      int64_t kept = 0, bad = 0;
      for (int64_t qt = 0; qt < L.num_tiles(); ++qt)
        for (int64_t kt = 0; kt < L.num_tiles(); ++kt) {
          bool b = block_kept(L, p, qt, kt);
          kept += b;
          bad += b != bool(any[size_t(qt * L.num_tiles() + kt)]);
        }
      CHECK(bad == 0);
      CHECK(kept == tile_kept_blocks(L, g));
    }
  }
}

TSR_TEST(tile_geometry, pattern_stats_wan_examples) {
  const int g[3] = {21, 30, 52}, t[3] = {6, 8, 8};
  TileLayout L(g, t);  // 4 x 4 x 7 = 112 tiles
  PatternStats s = pattern_stats(L, sta(3, 3, 3));
  CHECK(s.kept_blocks == 112 * 27);
  CHECK_NEAR(s.sparsity, 1.0 - 27.0 / 112.0, 1e-12);
  // Partial tiles: kept work at full tile size, relative to 32760² dense pairs.
  CHECK_NEAR(s.relative_cost, 112.0 * 27 * 384 * 384 / (32760.0 * 32760.0), 1e-12);
  PatternStats d = pattern_stats(L, HeadPattern{});
  CHECK(d.sparsity == 0 && d.token_sparsity == 0 && d.relative_cost == 1);
  PatternStats cover = pattern_stats(L, sta(4, 4, 7));
  CHECK(cover.sparsity == 0 && cover.relative_cost == 1);

  // A grid that divides evenly: cost = kept fraction.
  const int g2[3] = {24, 32, 56};
  TileLayout E(g2, t);
  PatternStats e = pattern_stats(E, sta(3, 3, 3));
  CHECK_NEAR(e.relative_cost, 1.0 - e.sparsity, 1e-12);
  CHECK_NEAR(e.token_sparsity, e.sparsity, 1e-12);

  // Plan: mean over heads.
  PatternStats plan = plan_stats(L, {sta(3, 3, 3), HeadPattern{}});
  CHECK_NEAR(plan.sparsity, s.sparsity / 2, 1e-12);
  CHECK_NEAR(plan.relative_cost, (s.relative_cost + 1.0) / 2, 1e-12);
}
