// Key blocks as the TMA producer of the Hopper attention kernel loads them: tile-shaped boxes.
//
// A key block of the cp.async producer is BN consecutive tokens of a tile's local raster
// order, gathered row by row. A tensor map over the raster layout [frames][height][width]
// [heads·D/64][64] instead fetches a box of (bt frames, bh rows, bw columns) tokens of one
// head in one instruction (per 64-wide half of D), rows landing in the box's own raster order
// with the 128-byte swizzle that wgmma reads, and tokens outside the tensor zero-filled. The
// box of a tile is (bt, sb, sc): its full h and w extent and as many frames as fit in BN rows.
// Tiles cut by the grid's far edges on h or w have smaller extents, so they get their own maps
// (four classes: bit 0 the tile is cut on h, bit 1 on w), which keeps them as dense as the
// gathered blocks. Rows of a box that fall outside its tile (frames past a cut tile, or into
// the next tile when bt does not divide the tile's frames) are masked like padding.
// Untiled launches (dense self- and cross-attention) use one class: BN consecutive tokens.
#pragma once

#include <cuda.h>

#include <algorithm>

#include "backend/cuda/attention_tiles.cuh"

namespace tsr::cuda {

// The TMA producer's launch constants (a __grid_constant__ kernel parameter).
struct TmaPlan {
  CUtensorMap k[4], v[4];   // per box class
  int bt[4], bh[4], bw[4];  // box extent per class: frames, rows (h), columns (w)
  int nsh[4];               // boxes along h per tile (1 unless a frame of the tile exceeds BN tokens)
  int slabs;                // key blocks per key tile (the most of any class); untiled: unused
  int cut_b, cut_c;         // index of the tile cut on h / on w (-1: the axis divides evenly)
  int zero_v;               // some box has fewer than BN rows: V rows past it are zeroed once
};

// The tensor both maps describe, innermost first: [frames][height][width][heads·D/64][64]
// (untiled: [tokens][heads·D/64][64] with unit frame and height axes), and the classes in use.
struct TmaLayout {
  uint64_t dims[5] = {64, 1, 1, 1, 1};
  uint64_t strides[4] = {128, 0, 0, 0};  // bytes, of dimensions 1..4
  bool used[4] = {false, false, false, false};
};

// Fills P's box geometry (not the maps) and the layout for a launch with BN-token key blocks;
// false where boxes cannot describe it: a tile row wider than BN tokens, or sparse keys that
// are not the grid.
inline bool tma_boxes(const AttnArgs& a, const AttnGeom& g, int BN, TmaPlan& P, TmaLayout& L) {
  const uint64_t row = uint64_t(a.heads) * a.head_dim * 2;  // bytes per token
  L.dims[1] = uint64_t(a.heads) * (a.head_dim / 64);
  L.strides[1] = row;
  P.cut_b = P.cut_c = -1;
  P.zero_v = 0;
  P.slabs = 1;
  if (!g.tiled) {
    L.dims[2] = uint64_t(a.nk);
    L.strides[2] = L.strides[3] = row * uint64_t(a.nk);
    L.used[0] = true;
    P.bt[0] = P.bh[0] = P.nsh[0] = 1;
    P.bw[0] = int(std::min<int64_t>(BN, a.nk));  // a box no larger than the tensor
    P.zero_v = P.bw[0] < BN;
    return a.nk > 0;
  }
  if (a.nk != int64_t(g.g[0]) * g.g[1] * g.g[2]) return false;
  L.dims[2] = uint64_t(g.g[2]);
  L.dims[3] = uint64_t(g.g[1]);
  L.dims[4] = uint64_t(g.g[0]);
  L.strides[2] = row * uint64_t(g.g[2]);
  L.strides[3] = L.strides[2] * uint64_t(g.g[1]);
  const int rem_h = g.g[1] % g.t[1], rem_w = g.g[2] % g.t[2];
  if (rem_h) P.cut_b = g.nt[1] - 1;
  if (rem_w) P.cut_c = g.nt[2] - 1;
  for (int cls = 0; cls < 4; ++cls) {
    const bool ch = cls & 1, cw = cls & 2;
    // A class exists where tiles of its kind do: uncut tiles need a whole tile on the axis.
    L.used[cls] = (ch ? rem_h != 0 : g.g[1] >= g.t[1]) && (cw ? rem_w != 0 : g.g[2] >= g.t[2]);
    if (!L.used[cls]) continue;
    const int sb = ch ? rem_h : g.t[1], sc = cw ? rem_w : g.t[2];
    if (sc > BN) return false;  // a tile row wider than a block: no box of whole rows
    int bt, bh, nsh;
    if (sb * sc <= BN) {  // whole frames of the tile
      bh = sb;
      bt = std::min({g.t[0], g.g[0], BN / (sb * sc)});
      nsh = 1;
    } else {  // a frame exceeds BN tokens: boxes of whole rows, one frame each
      bt = 1;
      bh = BN / sc;
      nsh = (sb + bh - 1) / bh;
    }
    P.bt[cls] = bt;
    P.bh[cls] = bh;
    P.bw[cls] = sc;
    P.nsh[cls] = nsh;
    P.slabs = std::max(P.slabs, (g.t[0] + bt - 1) / bt * nsh);
    P.zero_v |= bt * bh * sc < BN;
  }
  return true;
}

namespace attn_detail {

// One key block of the TMA producer.
struct TmaBlock {
  int cls = 0;                    // box class: which maps
  int w = 0, h = 0, t = 0;        // box corner in tokens (untiled: w is the token index)
  int rows = 0;                   // rows the box fills (bt·bh·bw)
  int vt = 1, vh = 1, vrows = 0;  // frames, h rows and rows of the box that hold kept keys
  int f0 = 0;                     // frame of the box's first row
  bool masked = false;            // some row of the BN must be masked
};

// Resolves block j of `walk` (same tile box and pattern rules as KeyWalk::resolve, with
// P.slabs blocks per tile); false when the block holds no kept key.
template <int BN>
__device__ __forceinline__ bool tma_resolve(const AttnGeom& G, const KeyWalk<BN>& walk, const TmaPlan& P, int j,
                                            TmaBlock& kb) {
  if (!G.tiled) {
    kb.w = j * BN;
    kb.vrows = min(BN, walk.key_limit - kb.w);
    kb.rows = P.bw[0];  // BN, or every key when there are fewer
    kb.masked = kb.vrows < BN;
    return kb.vrows > 0;
  }
  const int sub = j % P.slabs, t = j / P.slabs;
  const int bw_tiles = walk.hi[2] - walk.lo[2] + 1, bh_tiles = walk.hi[1] - walk.lo[1] + 1;
  const int c = walk.lo[2] + t % bw_tiles, b = walk.lo[1] + (t / bw_tiles) % bh_tiles,
            a = walk.lo[0] + t / (bw_tiles * bh_tiles);
  const TileRef tile = tile_at(G, a, b, c);
  const int cls = (b == P.cut_b ? 1 : 0) | (c == P.cut_c ? 2 : 0);
  const int bt = P.bt[cls], bh = P.bh[cls], nsh = P.nsh[cls];
  const int st = sub / nsh, sh = sub - st * nsh;
  if (st * bt >= tile.sa) return false;  // the tile has fewer frames than the largest class needs
  kb.cls = cls;
  kb.vt = min(bt, tile.sa - st * bt);
  kb.vh = min(bh, tile.sb - sh * bh);
  kb.t = a * G.t[0] + st * bt;
  kb.h = b * G.t[1] + sh * bh;
  kb.w = c * G.t[2];
  kb.f0 = kb.t;
  kb.rows = kb.vrows = bt * bh * P.bw[cls];
  kb.masked = kb.rows < BN || kb.vt < bt || kb.vh < bh;
  if (walk.kind == 2) {  // Attention Tile: the frames of this box against the query tile's
    const int kf_lo = kb.f0, kf_hi = kb.f0 + kb.vt - 1, g = walk.gframes;
    const bool overlap = kf_lo <= walk.qf_hi && walk.qf_lo <= kf_hi;
    if (!(overlap || kf_lo < g || walk.qf_lo < g)) return false;
    const bool all = kf_hi < g || walk.qf_hi < g || (kf_lo == kf_hi && walk.qf_lo == walk.qf_hi && kf_lo == walk.qf_lo);
    kb.masked = kb.masked || !all;
  }
  return true;
}

// Frame of row r of a box (its key-frame entry for the softmax mask), or -1 for padding.
__device__ __forceinline__ int tma_row_frame(const TmaPlan& P, const TmaBlock& kb, int r) {
  const int plane = P.bh[kb.cls] * P.bw[kb.cls];
  const int lt = r / plane, lh = (r - lt * plane) / P.bw[kb.cls];
  return (r < kb.vrows && lt < kb.vt && lh < kb.vh) ? kb.f0 + lt : -1;
}

}  // namespace attn_detail
}  // namespace tsr::cuda
