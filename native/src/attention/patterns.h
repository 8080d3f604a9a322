// Host-side view of per-head sparse patterns (HeadPattern) on a tile layout: validation,
// the block-level kept predicate, and the sparsity and cost figures the UI shows.
#pragma once

#include <cstdint>
#include <vector>

#include "attention/tile_geometry.h"
#include "backend/backend.h"
#include "core/status.h"

namespace tsr {

// Grid and tile sizes must be >= 1 on every axis; STA windows >= 1 tile on every axis;
// Attention Tile global frames >= 0.
Status validate_layout(const int grid[3], const int tile[3]);
Status validate_pattern(const HeadPattern& p);

// Does the pattern keep the block (query tile qt, key tile kt)? Dense keeps everything; the
// Attention Tile pattern keeps a block when any token pair inside it is kept.
bool block_kept(const TileLayout& L, const HeadPattern& p, int64_t qt, int64_t kt);

// Pattern figures for one head. Block counts are over (query tile, key tile) pairs.
struct PatternStats {
  int64_t kept_blocks = 0;
  int64_t total_blocks = 0;
  double sparsity = 0;        // fraction of blocks skipped
  double token_sparsity = 0;  // fraction of (query token, key token) pairs skipped (exact)
  // Attention work relative to dense attention over the same tokens. Model: a sparse kernel
  // computes every kept block at full tile size (partial edge tiles are masked, not
  // shrunk), dense computes exactly N² pairs, and a pattern that keeps every block runs
  // dense. > 1 means the tiling costs more than it saves (e.g. a large window on a grid
  // that divides badly into tiles). Expected attention speed-up = 1 / relative_cost.
  double relative_cost = 1;
};
PatternStats pattern_stats(const TileLayout& L, const HeadPattern& p);

// Mean of the per-head figures (each head does the same amount of dense work).
PatternStats plan_stats(const TileLayout& L, const std::vector<HeadPattern>& per_head);

}  // namespace tsr
