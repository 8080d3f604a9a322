// Tile geometry of a video token grid and the sparse patterns defined on it
// (spec/sparse-attention.md). Header-only and free of host-only types so that the CUDA
// kernels, the CPU attention and the UI-facing estimates share one definition.
//
// Conventions: axes are (t, h, w); tokens are numbered in raster order over the grid;
// tiles are numbered in raster order over the tile grid; "tile-major" order lists the
// tiles in raster order and, inside each tile, its tokens in raster order. Tiles at the
// far edge of an axis may be partial (the grid need not divide into tiles).
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define TSR_HD __host__ __device__
#else
#define TSR_HD
#endif

namespace tsr {

TSR_HD constexpr int ceil_div(int a, int b) { return (a + b - 1) / b; }
TSR_HD constexpr int64_t ceil_div64(int64_t a, int64_t b) { return (a + b - 1) / b; }
TSR_HD constexpr int clamp_int(int x, int lo, int hi) { return x < lo ? lo : (x > hi ? hi : x); }
TSR_HD constexpr int abs_int(int x) { return x < 0 ? -x : x; }

// A token's place in tile-major terms: which tile, and the index inside that tile.
struct TilePos {
  int64_t tile = 0;
  int64_t offset = 0;
};

// Grid of `grid` tokens cut into tiles of `tile` tokens. Both must be >= 1 on every axis
// (callers validate; see valid()).
struct TileLayout {
  int grid[3] = {1, 1, 1};   // tokens per axis
  int tile[3] = {1, 1, 1};   // tokens per tile along each axis
  int tiles[3] = {1, 1, 1};  // tiles per axis, ceil(grid / tile)

  constexpr TileLayout() = default;
  TSR_HD constexpr TileLayout(const int g[3], const int t[3]) {
    for (int a = 0; a < 3; ++a) {
      grid[a] = g[a];
      tile[a] = t[a];
      tiles[a] = (g[a] > 0 && t[a] > 0) ? ceil_div(g[a], t[a]) : 0;
    }
  }

  TSR_HD constexpr bool valid() const {
    for (int a = 0; a < 3; ++a)
      if (grid[a] < 1 || tile[a] < 1) return false;
    return true;
  }
  TSR_HD constexpr int64_t num_tokens() const { return int64_t(grid[0]) * grid[1] * grid[2]; }
  TSR_HD constexpr int64_t num_tiles() const { return int64_t(tiles[0]) * tiles[1] * tiles[2]; }
  // Tokens in a full tile.
  TSR_HD constexpr int64_t tile_volume() const { return int64_t(tile[0]) * tile[1] * tile[2]; }

  // Tokens of tile `i` along `axis` (the last tile of an axis may be partial).
  TSR_HD constexpr int extent(int axis, int i) const {
    int rest = grid[axis] - i * tile[axis];
    return rest < tile[axis] ? rest : tile[axis];
  }
  TSR_HD constexpr void tile_coords(int64_t t, int c[3]) const {
    c[2] = int(t % tiles[2]);
    t /= tiles[2];
    c[1] = int(t % tiles[1]);
    c[0] = int(t / tiles[1]);
  }
  TSR_HD constexpr int64_t tile_index(const int c[3]) const {
    return (int64_t(c[0]) * tiles[1] + c[1]) * tiles[2] + c[2];
  }
  TSR_HD constexpr int64_t tile_tokens(int64_t t) const {
    int c[3] = {0, 0, 0};
    tile_coords(t, c);
    return int64_t(extent(0, c[0])) * extent(1, c[1]) * extent(2, c[2]);
  }
  TSR_HD constexpr void token_coords(int64_t token, int c[3]) const {
    c[2] = int(token % grid[2]);
    token /= grid[2];
    c[1] = int(token % grid[1]);
    c[0] = int(token / grid[1]);
  }
  TSR_HD constexpr int64_t token_index(const int c[3]) const {
    return (int64_t(c[0]) * grid[1] + c[1]) * grid[2] + c[2];
  }

  // Tile-major position of the first token of tile `t`. Closed form: every tile before
  // it along an earlier axis is full along that axis.
  TSR_HD constexpr int64_t tile_start(int64_t t) const {
    int c[3] = {0, 0, 0};
    tile_coords(t, c);
    int64_t et = extent(0, c[0]), eh = extent(1, c[1]);
    return int64_t(c[0]) * tile[0] * grid[1] * grid[2] + et * c[1] * tile[1] * grid[2] +
           et * eh * c[2] * tile[2];
  }

  TSR_HD constexpr TilePos raster_to_tile(int64_t token) const {
    int c[3] = {0, 0, 0};
    token_coords(token, c);
    int tc[3] = {c[0] / tile[0], c[1] / tile[1], c[2] / tile[2]};
    int o[3] = {c[0] - tc[0] * tile[0], c[1] - tc[1] * tile[1], c[2] - tc[2] * tile[2]};
    int eh = extent(1, tc[1]), ew = extent(2, tc[2]);
    return {tile_index(tc), (int64_t(o[0]) * eh + o[1]) * ew + o[2]};
  }
  TSR_HD constexpr int64_t tile_to_raster(int64_t t, int64_t offset) const {
    int tc[3] = {0, 0, 0};
    tile_coords(t, tc);
    int eh = extent(1, tc[1]), ew = extent(2, tc[2]);
    int o2 = int(offset % ew);
    offset /= ew;
    int o1 = int(offset % eh);
    int o0 = int(offset / eh);
    int c[3] = {tc[0] * tile[0] + o0, tc[1] * tile[1] + o1, tc[2] * tile[2] + o2};
    return token_index(c);
  }
  TSR_HD constexpr int64_t raster_to_tile_major(int64_t token) const {
    TilePos p = raster_to_tile(token);
    return tile_start(p.tile) + p.offset;
  }
  // Inverse of raster_to_tile_major: peel off full slabs axis by axis.
  TSR_HD constexpr int64_t tile_major_to_raster(int64_t pos) const {
    int64_t slab_t = int64_t(tile[0]) * grid[1] * grid[2];
    int ct = int(pos / slab_t);
    pos -= ct * slab_t;
    int64_t et = extent(0, ct);
    int64_t slab_h = et * tile[1] * grid[2];
    int ch = int(pos / slab_h);
    pos -= ch * slab_h;
    int64_t eh = extent(1, ch);
    int64_t slab_w = et * eh * tile[2];
    int cw = int(pos / slab_w);
    pos -= cw * slab_w;
    int c[3] = {ct, ch, cw};
    return tile_to_raster(tile_index(c), pos);
  }
};

// ---------------------------------------------------------------- sliding tile attention
// Per axis with n tiles and window w (tiles): the query tile's centre is clamped into
// [w/2, n-1-w/2] and key tiles within w/2 of it are kept; a window >= n keeps the whole
// axis. The kept key tiles therefore form a contiguous range of min(n, 2*(w/2)+1) tiles
// (an even window behaves as w+1), the same count for every query tile.

// Number of key tiles kept along an axis.
TSR_HD constexpr int sta_span(int w, int n) {
  int s = 2 * (w / 2) + 1;
  return (w >= n || s > n) ? n : s;
}
// Inclusive range [lo, hi] of key tiles kept along an axis by query tile q.
TSR_HD constexpr void sta_axis_range(int q, int w, int n, int& lo, int& hi) {
  int r = w / 2;
  if (w >= n || 2 * r + 1 >= n) {
    lo = 0;
    hi = n - 1;
    return;
  }
  int c = clamp_int(q, r, n - 1 - r);
  lo = c - r;
  hi = c + r;
}
TSR_HD constexpr bool sta_axis_keep(int q, int k, int w, int n) {
  int lo = 0, hi = 0;
  sta_axis_range(q, w, n, lo, hi);
  return k >= lo && k <= hi;
}
// Query tile qc keeps key tile kc (tile coordinates) under window w on a grid of n tiles.
TSR_HD constexpr bool sta_keep(const int qc[3], const int kc[3], const int w[3], const int n[3]) {
  return sta_axis_keep(qc[0], kc[0], w[0], n[0]) && sta_axis_keep(qc[1], kc[1], w[1], n[1]) &&
         sta_axis_keep(qc[2], kc[2], w[2], n[2]);
}
// Key tiles kept per query tile (the same for every query tile).
TSR_HD constexpr int64_t sta_kept_per_query_tile(const TileLayout& L, const int w[3]) {
  return int64_t(sta_span(w[0], L.tiles[0])) * sta_span(w[1], L.tiles[1]) *
         sta_span(w[2], L.tiles[2]);
}
TSR_HD constexpr int64_t sta_kept_blocks(const TileLayout& L, const int w[3]) {
  return L.num_tiles() * sta_kept_per_query_tile(L, w);
}
// (query token, key token) pairs kept. Separable: the kept set is a product over axes of
// per-axis relations, so the count is a product of per-axis sums.
TSR_HD constexpr int64_t sta_kept_token_pairs(const TileLayout& L, const int w[3]) {
  int64_t total = 1;
  for (int a = 0; a < 3; ++a) {
    int64_t axis = 0;
    for (int q = 0; q < L.tiles[a]; ++q) {
      int lo = 0, hi = 0;
      sta_axis_range(q, w[a], L.tiles[a], lo, hi);
      int64_t keys = 0;
      for (int k = lo; k <= hi; ++k) keys += L.extent(a, k);
      axis += L.extent(a, q) * keys;
    }
    total *= axis;
  }
  return total;
}

// ---------------------------------------------------------------- Attention Tile (k:(F-k))
// Frame level: a token in latent frame fq attends frame fk iff fq == fk (diagonal) or
// fk < k or fq < k (the first k frames are global: their rows and columns are kept).
TSR_HD constexpr bool tile_frame_keep(int fq, int fk, int global_frames) {
  return fq == fk || fk < global_frames || fq < global_frames;
}
// Block level: query tile row qt and key tile row kt along t keep their block when any
// token pair of it is kept (tiles may span several frames).
TSR_HD constexpr bool tile_block_keep(const TileLayout& L, int qt, int kt, int global_frames) {
  int q0 = qt * L.tile[0], q1 = q0 + L.extent(0, qt) - 1;
  int k0 = kt * L.tile[0], k1 = k0 + L.extent(0, kt) - 1;
  bool overlap = q0 <= k1 && k0 <= q1;
  return overlap || k0 < global_frames || q0 < global_frames;
}
TSR_HD constexpr int64_t tile_kept_blocks(const TileLayout& L, int global_frames) {
  int64_t rows = 0;
  for (int q = 0; q < L.tiles[0]; ++q)
    for (int k = 0; k < L.tiles[0]; ++k) rows += tile_block_keep(L, q, k, global_frames) ? 1 : 0;
  int64_t plane = int64_t(L.tiles[1]) * L.tiles[2];
  return rows * plane * plane;
}
// Exact token pairs kept (frame level).
TSR_HD constexpr int64_t tile_kept_token_pairs(const TileLayout& L, int global_frames) {
  int64_t frames = 0;
  for (int q = 0; q < L.grid[0]; ++q)
    for (int k = 0; k < L.grid[0]; ++k) frames += tile_frame_keep(q, k, global_frames) ? 1 : 0;
  int64_t plane = int64_t(L.grid[1]) * L.grid[2];
  return frames * plane * plane;
}

}  // namespace tsr
