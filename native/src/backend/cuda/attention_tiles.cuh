// Geometry shared by the attention kernels (portable sm_80 and Hopper sm_90a): which query
// rows a block owns and which key blocks its pattern keeps, computed from tile coordinates.
//
// Patterns (spec/sparse-attention.md), per head: dense, STA window (wt, wh, ww) in tiles with
// clamped centres, Attention Tile (same frame or a global frame). Sparse launches walk tiles:
// a query block is BR tokens of one query tile (local raster order), a key block BC tokens of
// one key tile; tokens are gathered by address, so the tile permutation is folded into loads
// and stores, and partial edge tiles hold fewer tokens (the rest is masked).
#pragma once

#include <cstdint>

#include "backend/cuda/kernels.h"

namespace tsr::cuda {

struct AttnGeom {
  const __nv_bfloat16 *q, *k, *v;
  __nv_bfloat16* o;
  int64_t nq, nk, ld;  // ld: row stride in elements (heads * head_dim)
  int heads;
  float scale_log2;    // scale * log2(e)
  int key_len;         // keys >= key_len are masked
  int g[3], t[3], nt[3];  // grid, tile, tiles per axis
  int tile_tokens;        // t0*t1*t2
  int q_blocks_per_tile;  // ceil(tile_tokens / BR)
  const int* patterns;    // [heads][5]: kind, wt, wh, ww, global frames (null: dense)
  bool tiled;
};

namespace attn_detail {

// Tokens of tile (a, b, c) and the raster token of its local index i.
struct TileRef {
  int a, b, c;     // tile coordinates
  int sa, sb, sc;  // tile extent (smaller at the far edges)
  __device__ int count() const { return sa * sb * sc; }
  __device__ int64_t token(const AttnGeom& G, int i) const {
    int lt = i / (sb * sc), lh = (i / sc) % sb, lw = i % sc;
    return (int64_t(a * G.t[0] + lt) * G.g[1] + (b * G.t[1] + lh)) * G.g[2] + (c * G.t[2] + lw);
  }
  __device__ int frame(const AttnGeom& G, int i) const { return a * G.t[0] + i / (sb * sc); }
};

__device__ __forceinline__ TileRef tile_at(const AttnGeom& G, int a, int b, int c) {
  return {a, b, c, min(G.t[0], G.g[0] - a * G.t[0]), min(G.t[1], G.g[1] - b * G.t[1]),
          min(G.t[2], G.g[2] - c * G.t[2])};
}

// Key-tile range on one axis: the clamped-centre window of the STA definition.
__device__ __forceinline__ void window_range(int q, int n, int w, int& lo, int& hi) {
  if (w <= 0 || w >= n) { lo = 0; hi = n - 1; return; }
  int r = w / 2;
  int c = min(max(q, r), n - 1 - r);
  lo = max(c - r, 0);
  hi = min(c + r, n - 1);
}

// The head's pattern, read once per block.
struct HeadPattern {
  int kind = 0, win[3] = {0, 0, 0}, gframes = 0;
  __device__ HeadPattern(const AttnGeom& G, int head) {
    if (G.patterns) {
      const int* p = G.patterns + head * 5;
      kind = p[0]; win[0] = p[1]; win[1] = p[2]; win[2] = p[3]; gframes = p[4];
    }
  }
};

// The query rows of block `bx`: BR tokens of one query tile, or of the raster sequence.
template <int BR>
struct QueryBlock {
  TileRef tile{0, 0, 0, 0, 0, 0};
  int base = 0, count = 0;
  __device__ QueryBlock(const AttnGeom& G, int bx) {
    if (G.tiled) {
      int tile_idx = bx / G.q_blocks_per_tile, sub = bx % G.q_blocks_per_tile;
      int c = tile_idx % G.nt[2], b = (tile_idx / G.nt[2]) % G.nt[1], a = tile_idx / (G.nt[2] * G.nt[1]);
      tile = tile_at(G, a, b, c);
      base = sub * BR;
      count = min(BR, tile.count() - base);
    } else {
      base = bx * BR;
      count = int(G.nq - base < BR ? G.nq - base : BR);
    }
  }
  __device__ int64_t token(const AttnGeom& G, int r) const { return G.tiled ? tile.token(G, base + r) : base + r; }
  __device__ int frame(const AttnGeom& G, int r) const { return tile.frame(G, base + r); }
};

// One key block: tokens [base, base + count) of key tile `tile` (or of the raster sequence).
struct KeyBlock {
  TileRef tile{0, 0, 0, 0, 0, 0};
  int base = 0, count = 0;
  bool masked = false;  // some score of the block must be masked (partial block, frame test)
  __device__ int64_t token(const AttnGeom& G, int r) const { return G.tiled ? tile.token(G, base + r) : base + r; }
  __device__ int frame(const AttnGeom& G, int r) const { return G.tiled ? tile.frame(G, base + r) : 0; }
};

// The sequence of key blocks (BC tokens) a query block visits: a box of key tiles (the STA
// window, or every tile) times blocks per tile, or raster blocks for dense untiled launches.
// Blocks without a kept key are skipped by next().
template <int BC>
struct KeyWalk {
  int lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  int per_tile = 1, key_limit = 0, kind = 0, gframes = 0;
  int qf_lo = 0, qf_hi = 0;  // query frames (Attention Tile)
  int nblocks = 0;           // 32-bit on purpose: 64-bit division is a slow subroutine

  __device__ KeyWalk(const AttnGeom& G, const HeadPattern& p, const TileRef& qt) : kind(p.kind), gframes(p.gframes) {
    key_limit = G.key_len >= 0 ? int(G.key_len < G.nk ? G.key_len : G.nk) : int(G.nk);
    if (G.tiled) {
      per_tile = (G.tile_tokens + BC - 1) / BC;
      int qc[3] = {qt.a, qt.b, qt.c};
      for (int ax = 0; ax < 3; ++ax) {
        if (kind == 1) window_range(qc[ax], G.nt[ax], p.win[ax], lo[ax], hi[ax]);
        else { lo[ax] = 0; hi[ax] = G.nt[ax] - 1; }
      }
      nblocks = (hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1) * per_tile;
      qf_lo = qt.a * G.t[0];
      qf_hi = qf_lo + qt.sa - 1;
    } else {
      nblocks = (key_limit + BC - 1) / BC;
    }
  }

  // Resolves block j; false when it holds no kept key.
  __device__ bool resolve(const AttnGeom& G, int j, KeyBlock& kb) const {
    if (!G.tiled) {
      kb.base = j * BC;
      kb.count = min(BC, key_limit - kb.base);
      kb.masked = kb.count < BC;
      return kb.count > 0;
    }
    int sub = j % per_tile, t = j / per_tile;
    int bw = hi[2] - lo[2] + 1, bh = hi[1] - lo[1] + 1;
    int c = lo[2] + t % bw, b = lo[1] + (t / bw) % bh, a = lo[0] + t / (bw * bh);
    kb.tile = tile_at(G, a, b, c);
    kb.base = sub * BC;
    kb.count = min(BC, kb.tile.count() - kb.base);
    if (kb.count <= 0) return false;
    kb.masked = kb.count < BC;
    if (kind == 2) {  // keep tiles that share a frame with the query tile or hold global frames
      int kf_lo = a * G.t[0], kf_hi = kf_lo + kb.tile.sa - 1;
      bool overlap = kf_lo <= qf_hi && qf_lo <= kf_hi;
      if (!(overlap || kf_lo < gframes || qf_lo < gframes)) return false;
      // Every pair kept without a frame test: key frames all global, or query frames all
      // global, or both tiles the same single frame.
      bool all = kf_hi < gframes || qf_hi < gframes || (kf_lo == kf_hi && qf_lo == qf_hi && kf_lo == qf_lo);
      kb.masked = kb.masked || !all;
    }
    return true;
  }

  // Advances j to the next block holding a kept key (or nblocks).
  __device__ int next(const AttnGeom& G, int j, KeyBlock& kb) const {
    while (j < nblocks && !resolve(G, j, kb)) ++j;
    return j;
  }
};

// 2^x on the special-function unit (flush-to-zero; 2^-inf = 0), as the softmax needs it.
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

// Visits rows first .. first+N-1 of a block (local indices base + r of `tile`, or raster
// tokens base + r when untiled): f(k, valid, token, frame). Consecutive rows step through
// the tile's local raster order without a division per row. Loaders give each thread N
// consecutive rows and each lane one 16-byte chunk, so a warp's request covers whole rows
// (with one row per lane, every 16-byte read dragged a 32-byte sector through L2 and the
// kernels were bound by L2 bandwidth: NOTES-cuda.md).
template <int N, class F>
__device__ __forceinline__ void for_rows(const AttnGeom& G, const TileRef& tile, int base, int count, int first,
                                         F&& f) {
  if (G.tiled) {
    const int plane = tile.sb * tile.sc, i = base + first;
    int lt = i / plane, rem = i - lt * plane;
    int lh = rem / tile.sc, lw = rem - lh * tile.sc;
    const int t0 = tile.a * G.t[0], h0 = tile.b * G.t[1], w0 = tile.c * G.t[2];
#pragma unroll 4
    for (int k = 0; k < N; ++k) {
      int64_t tok = (int64_t(t0 + lt) * G.g[1] + (h0 + lh)) * G.g[2] + (w0 + lw);
      f(k, first + k < count, tok, t0 + lt);
      if (++lw == tile.sc) {
        lw = 0;
        if (++lh == tile.sb) lh = 0, ++lt;
      }
    }
  } else {
#pragma unroll 4
    for (int k = 0; k < N; ++k) f(k, first + k < count, int64_t(base + first + k), 0);
  }
}

// Whether a score (query frame qf, key frame kf; kf < 0: padding) is kept inside a masked block.
__device__ __forceinline__ bool score_kept(int kind, int gframes, int qf, int kf) {
  if (kf < 0) return false;
  if (kind != 2) return true;
  return kf == qf || kf < gframes || qf < gframes;
}

}  // namespace attn_detail

// Kernel geometry of a launch with BR-row query blocks; `blocks` receives the grid's x size.
inline AttnGeom make_attn_geom(const AttnArgs& a, int BR, unsigned& blocks) {
  AttnGeom g{};
  g.q = a.q; g.k = a.k; g.v = a.v; g.o = a.o;
  g.nq = a.nq; g.nk = a.nk; g.ld = int64_t(a.heads) * a.head_dim;
  g.heads = a.heads;
  g.scale_log2 = a.scale * 1.4426950408889634f;
  g.key_len = a.key_len;
  g.patterns = a.patterns;
  g.tiled = a.sparse;
  if (a.sparse) {
    g.tile_tokens = 1;
    for (int ax = 0; ax < 3; ++ax) {
      g.g[ax] = a.grid[ax];
      g.t[ax] = a.tile[ax];
      g.nt[ax] = (a.grid[ax] + a.tile[ax] - 1) / a.tile[ax];
      g.tile_tokens *= a.tile[ax];
    }
    g.q_blocks_per_tile = (g.tile_tokens + BR - 1) / BR;
    blocks = unsigned(int64_t(g.nt[0]) * g.nt[1] * g.nt[2] * g.q_blocks_per_tile);
  } else {
    blocks = unsigned((a.nq + BR - 1) / BR);
  }
  return g;
}

}  // namespace tsr::cuda
