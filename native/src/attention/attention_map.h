// Attention maps for the visualiser: what one query (token or tile) attends to over the whole
// video, the tile-to-tile attention mass of a head, and the blocks a sparse pattern keeps.
// Inputs are one layer's host float32 q, k after RoPE, [tokens, heads*head_dim] in raster
// (t, h, w) order over spec.grid; spec supplies heads, head_dim, scale, grid and tile. The
// probabilities are those of dense attention (the pattern is not applied), so the UI can
// show what a window would drop. Tiles are numbered in raster order over the tile grid.
#pragma once

#include <cstdint>

#include "backend/backend.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/threadpool.h"

namespace tsr {

struct MapQuery {
  int head = 0;
  int64_t token = -1;  // a query token (raster index), or
  int64_t tile = -1;   // a query tile: the mean over its tokens' distributions
};

// Softmax probabilities over all keys, float32 [T, H, W] (one heatmap per latent frame);
// they sum to 1.
StatusOr<Tensor> attention_probs(const Tensor& q, const Tensor& k, const AttnSpec& spec,
                                 const MapQuery& query, ThreadPool& pool);

// [num_tiles, num_tiles] float32: row a, column b = mean over the tokens of query tile a of
// the probability mass landing in key tile b. Every row sums to 1.
StatusOr<Tensor> tile_mass_matrix(const Tensor& q, const Tensor& k, const AttnSpec& spec, int head,
                                  ThreadPool& pool);

// [num_tiles, num_tiles] float32, 1 where the pattern computes the block (for Attention Tile:
// where any token pair of the block is kept), else 0.
StatusOr<Tensor> kept_matrix(const int grid[3], const int tile[3], const HeadPattern& pattern);

// Fraction of the head's dense attention mass (averaged over all query tokens) that falls in
// kept blocks: sum over query tiles a of tokens(a) * sum_b mass[a,b] * kept[a,b] / tokens.
StatusOr<double> captured_mass(const Tensor& mass, const Tensor& kept, const int grid[3],
                               const int tile[3]);

}  // namespace tsr
