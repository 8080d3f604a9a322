#include "attention/patterns.h"

namespace tsr {

Status validate_layout(const int grid[3], const int tile[3]) {
  for (int a = 0; a < 3; ++a) {
    if (grid[a] < 1)
      return Error(Code::InvalidArgument, "attention grid [%d, %d, %d] must be >= 1 on every axis",
                   grid[0], grid[1], grid[2]);
    if (tile[a] < 1)
      return Error(Code::InvalidArgument, "attention tile [%d, %d, %d] must be >= 1 on every axis",
                   tile[0], tile[1], tile[2]);
  }
  // Token indices are int64 but per-axis coordinates are int: keep products in range.
  int64_t n = int64_t(grid[0]) * grid[1] * grid[2];
  if (n > (int64_t(1) << 31))
    return Error(Code::InvalidSize, "attention grid of %lld tokens is too large", (long long)n);
  return OkStatus();
}

Status validate_pattern(const HeadPattern& p) {
  switch (p.kind) {
    case AttnPattern::Dense:
      return OkStatus();
    case AttnPattern::Sta:
      for (int a = 0; a < 3; ++a)
        if (p.window[a] < 1)
          return Error(Code::InvalidArgument, "STA window [%d, %d, %d] must be >= 1 tile on every axis",
                       p.window[0], p.window[1], p.window[2]);
      return OkStatus();
    case AttnPattern::Tile:
      if (p.global_frames < 0)
        return Error(Code::InvalidArgument, "Attention Tile global frames %d must be >= 0",
                     p.global_frames);
      return OkStatus();
  }
  return Error(Code::InvalidArgument, "unknown attention pattern kind %d", int(p.kind));
}

bool block_kept(const TileLayout& L, const HeadPattern& p, int64_t qt, int64_t kt) {
  int qc[3] = {0, 0, 0}, kc[3] = {0, 0, 0};
  L.tile_coords(qt, qc);
  L.tile_coords(kt, kc);
  switch (p.kind) {
    case AttnPattern::Dense:
      return true;
    case AttnPattern::Sta:
      return sta_keep(qc, kc, p.window, L.tiles);
    case AttnPattern::Tile:
      return tile_block_keep(L, qc[0], kc[0], p.global_frames);
  }
  return true;
}

PatternStats pattern_stats(const TileLayout& L, const HeadPattern& p) {
  PatternStats s;
  int64_t tiles = L.num_tiles();
  double n = double(L.num_tokens());
  s.total_blocks = tiles * tiles;
  int64_t kept_pairs = 0;
  switch (p.kind) {
    case AttnPattern::Dense:
      s.kept_blocks = s.total_blocks;
      kept_pairs = L.num_tokens() * L.num_tokens();
      break;
    case AttnPattern::Sta:
      s.kept_blocks = sta_kept_blocks(L, p.window);
      kept_pairs = sta_kept_token_pairs(L, p.window);
      break;
    case AttnPattern::Tile:
      s.kept_blocks = tile_kept_blocks(L, p.global_frames);
      kept_pairs = tile_kept_token_pairs(L, p.global_frames);
      break;
  }
  s.sparsity = 1.0 - double(s.kept_blocks) / double(s.total_blocks);
  s.token_sparsity = 1.0 - double(kept_pairs) / (n * n);
  if (s.kept_blocks == s.total_blocks) {
    s.relative_cost = 1.0;
  } else {
    double v = double(L.tile_volume());
    s.relative_cost = double(s.kept_blocks) * v * v / (n * n);
  }
  return s;
}

PatternStats plan_stats(const TileLayout& L, const std::vector<HeadPattern>& per_head) {
  PatternStats sum;
  if (per_head.empty()) return pattern_stats(L, HeadPattern{});
  sum.relative_cost = 0;
  for (const auto& p : per_head) {
    PatternStats s = pattern_stats(L, p);
    sum.kept_blocks += s.kept_blocks;
    sum.total_blocks += s.total_blocks;
    sum.sparsity += s.sparsity;
    sum.token_sparsity += s.token_sparsity;
    sum.relative_cost += s.relative_cost;
  }
  double h = double(per_head.size());
  sum.sparsity /= h;
  sum.token_sparsity /= h;
  sum.relative_cost /= h;
  return sum;
}

}  // namespace tsr
