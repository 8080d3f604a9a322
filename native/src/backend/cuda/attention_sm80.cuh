// FlashAttention-2-style forward kernel for sm_80+ (the portable path), one family for
// dense, sliding-tile (STA) and Attention Tile patterns.
//
// A block owns BR = 128 query rows of one head (8 warps x 16 rows) and walks only the key
// blocks its pattern keeps, computed from tile coordinates: no mask tensors, no permuted
// copies. For sparse patterns a query block lies inside one query tile (rows in the tile's
// local raster order) and key blocks are BC = 64 tokens of one key tile; tokens are gathered
// by address (the tile permutation is folded into the loads and the stores), and partial
// edge tiles are masked inside the kernel. Dense heads walk raster-ordered blocks.
// Online softmax in fp32 with exp2; K/V double-buffered through cp.async; shared rows are
// XOR-swizzled by 16-byte chunk so ldmatrix phases are conflict-free.
#pragma once

#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"
#include "backend/cuda/mma_sm80.cuh"

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
  int q_blocks_per_tile;
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

template <int D>
struct Smem {
  static constexpr int BR = 128, BC = 64, CH = D / 8;  // CH: 16-byte chunks per row
  static constexpr size_t q_bytes = size_t(BR) * D * 2;
  static constexpr size_t kv_bytes = size_t(BC) * D * 2;
  static constexpr size_t total = q_bytes + 4 * kv_bytes + 2 * BC * sizeof(int);
  // Swizzled element offset of (row, col) in a [rows][D] tile.
  __device__ static int off(int row, int col) {
    int chunk = (col >> 3) ^ (row & 7);
    return row * D + chunk * 8 + (col & 7);
  }
};

}  // namespace attn_detail

template <int D>
__global__ void __launch_bounds__(256, 1) attention_sm80_kernel(AttnGeom G) {
  using namespace attn_detail;
  using S = Smem<D>;
  constexpr int BR = S::BR, BC = S::BC, CH = S::CH;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  auto* qs = reinterpret_cast<__nv_bfloat16*>(smem_raw);
  auto* ks = reinterpret_cast<__nv_bfloat16*>(smem_raw + S::q_bytes);   // [2][BC][D]
  auto* vs = ks + 2 * BC * D;                                              // [2][BC][D]
  int* kinfo = reinterpret_cast<int*>(smem_raw + S::q_bytes + 4 * S::kv_bytes);  // [2][BC]

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int head = blockIdx.y;
  int kind = 0, win[3] = {0, 0, 0}, gframes = 0;
  if (G.patterns) {
    const int* p = G.patterns + head * 5;
    kind = p[0]; win[0] = p[1]; win[1] = p[2]; win[2] = p[3]; gframes = p[4];
  }
  const bool tile_pattern = (kind == 2);

  // ---- which query rows this block owns
  TileRef qtile{0, 0, 0, 0, 0, 0};
  int qbase = 0, qcount = 0;
  if (G.tiled) {
    int tile_idx = blockIdx.x / G.q_blocks_per_tile, sub = blockIdx.x % G.q_blocks_per_tile;
    int c = tile_idx % G.nt[2], b = (tile_idx / G.nt[2]) % G.nt[1], a = tile_idx / (G.nt[2] * G.nt[1]);
    qtile = tile_at(G, a, b, c);
    qbase = sub * BR;
    qcount = min(BR, qtile.count() - qbase);
  } else {
    qbase = blockIdx.x * BR;
    qcount = int(G.nq - qbase < BR ? G.nq - qbase : BR);
  }
  if (qcount <= 0) return;
  auto q_token = [&](int r) -> int64_t { return G.tiled ? qtile.token(G, qbase + r) : qbase + r; };

  // ---- Q tile -> shared -> registers (A fragments for all D/16 k-steps)
  for (int i = tid; i < BR * CH; i += blockDim.x) {
    int r = i / CH, ch = i % CH;
    bool ok = r < qcount;
    const __nv_bfloat16* src = ok ? G.q + q_token(r) * G.ld + head * D + ch * 8 : G.q;
    cp_async16(qs + S::off(r, ch * 8), src, ok);
  }
  cp_async_commit();

  // ---- key blocks: a box of key tiles (STA window, or every tile) x blocks per tile,
  // or raster blocks for dense untiled launches.
  int lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  int kblocks_per_tile = (G.tile_tokens + BC - 1) / BC;
  int64_t nblocks;
  const int key_limit = G.key_len >= 0 ? int(G.key_len < G.nk ? G.key_len : G.nk) : int(G.nk);
  if (G.tiled) {
    int qc[3] = {qtile.a, qtile.b, qtile.c};
    for (int ax = 0; ax < 3; ++ax) {
      if (kind == 1) window_range(qc[ax], G.nt[ax], win[ax], lo[ax], hi[ax]);
      else { lo[ax] = 0; hi[ax] = G.nt[ax] - 1; }
    }
    nblocks = int64_t(hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1) * kblocks_per_tile;
  } else {
    nblocks = (key_limit + BC - 1) / BC;
  }
  const int qf_lo = qtile.a * G.t[0], qf_hi = qf_lo + qtile.sa - 1;  // query frames (tile pattern)

  // Resolves key block j: its tile and first local index; false when it holds no kept key.
  auto key_block = [&](int64_t j, TileRef& kt, int& kbase, int& kcount) -> bool {
    if (!G.tiled) {
      kbase = int(j * BC);
      kcount = min(BC, key_limit - kbase);
      return kcount > 0;
    }
    int sub = int(j % kblocks_per_tile);
    int64_t t = j / kblocks_per_tile;
    int bw = hi[2] - lo[2] + 1, bh = hi[1] - lo[1] + 1;
    int c = lo[2] + int(t % bw), b = lo[1] + int((t / bw) % bh), a = lo[0] + int(t / (int64_t(bw) * bh));
    kt = tile_at(G, a, b, c);
    kbase = sub * BC;
    kcount = min(BC, kt.count() - kbase);
    if (kcount <= 0) return false;
    if (tile_pattern) {  // keep tiles that share a frame with the query tile or hold global frames
      int kf_lo = a * G.t[0], kf_hi = kf_lo + kt.sa - 1;
      bool overlap = kf_lo <= qf_hi && qf_lo <= kf_hi;
      if (!(overlap || kf_lo < gframes || qf_lo < gframes)) return false;
    }
    return true;
  };

  auto load_kv = [&](int buf, const TileRef& kt, int kbase, int kcount) {
    // 256 threads: thread -> (row, 4 chunks) for D=128, (row, 2 chunks) for D=64.
    constexpr int per_row_threads = 4, chunks_per_thread = CH / per_row_threads;
    int r = tid / per_row_threads;
    bool ok = r < kcount;
    int64_t tok = 0;
    int frame = -1;
    if (ok) {
      if (G.tiled) { tok = kt.token(G, kbase + r); frame = kt.frame(G, kbase + r); }
      else { tok = kbase + r; frame = 0; }
    }
    __nv_bfloat16* kd = ks + buf * BC * D;
    __nv_bfloat16* vd = vs + buf * BC * D;
#pragma unroll
    for (int i = 0; i < chunks_per_thread; ++i) {
      int ch = (tid % per_row_threads) * chunks_per_thread + i;
      const __nv_bfloat16* kp = ok ? G.k + tok * G.ld + head * D + ch * 8 : G.k;
      const __nv_bfloat16* vp = ok ? G.v + tok * G.ld + head * D + ch * 8 : G.v;
      cp_async16(kd + S::off(r, ch * 8), kp, ok);
      cp_async16(vd + S::off(r, ch * 8), vp, ok);
    }
    if (tid % per_row_threads == 0) kinfo[buf * BC + r] = ok ? frame : -1;
  };

  // First kept block.
  int64_t j = 0;
  TileRef kt{0, 0, 0, 0, 0, 0};
  int kbase = 0, kcount = 0;
  while (j < nblocks && !key_block(j, kt, kbase, kcount)) ++j;
  int buf = 0;
  if (j < nblocks) load_kv(0, kt, kbase, kcount);
  cp_async_commit();

  cp_async_wait<1>();  // Q landed
  __syncthreads();
  uint32_t qf[D / 16][4];
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk)
    ldmatrix_x4(qf[kk], qs + S::off(warp * 16 + (lane & 15), kk * 16 + (lane >> 4) * 8));

  // Query frames of this thread's two rows (tile pattern masks).
  const int r0 = warp * 16 + (lane >> 2), r1 = r0 + 8;
  const int qframe0 = (G.tiled && r0 < qcount) ? qtile.frame(G, qbase + r0) : -1;
  const int qframe1 = (G.tiled && r1 < qcount) ? qtile.frame(G, qbase + r1) : -1;

  float o[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;
  float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.0f, l1 = 0.0f;

  while (j < nblocks) {
    // Prefetch the next kept block into the other buffer.
    int64_t jn = j + 1;
    TileRef ktn{0, 0, 0, 0, 0, 0};
    int kbn = 0, kcn = 0;
    while (jn < nblocks && !key_block(jn, ktn, kbn, kcn)) ++jn;
    __syncthreads();  // everyone is done reading buffer buf^1 (previous iteration)
    if (jn < nblocks) load_kv(buf ^ 1, ktn, kbn, kcn);
    cp_async_commit();
    cp_async_wait<1>();
    __syncthreads();

    const __nv_bfloat16* kb = ks + buf * BC * D;
    const __nv_bfloat16* vb = vs + buf * BC * D;
    const int* ki = kinfo + buf * BC;

    // S = Q Kᵀ  (16 x 64 per warp)
    float s[BC / 8][4];
#pragma unroll
    for (int n = 0; n < BC / 8; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
      for (int n = 0; n < BC / 8; n += 2) {
        uint32_t r[4];
        int key = n * 8 + (lane & 7) + (lane >> 4) * 8;
        ldmatrix_x4(r, kb + S::off(key, kk * 16 + ((lane >> 3) & 1) * 8));
        mma_bf16(s[n], qf[kk], r[0], r[1]);
        mma_bf16(s[n + 1], qf[kk], r[2], r[3]);
      }
    }

    // Mask invalid keys (partial tiles, key_len) and, for Attention Tile, frame pairs.
    float mx0 = m0, mx1 = m1;
#pragma unroll
    for (int n = 0; n < BC / 8; ++n) {
#pragma unroll
      for (int c = 0; c < 2; ++c) {
        int col = n * 8 + (lane & 3) * 2 + c;
        int kf = ki[col];
        bool ok0 = kf >= 0, ok1 = kf >= 0;
        if (tile_pattern) {
          ok0 = ok0 && (kf == qframe0 || kf < gframes || qframe0 < gframes);
          ok1 = ok1 && (kf == qframe1 || kf < gframes || qframe1 < gframes);
        }
        s[n][c] = ok0 ? s[n][c] * G.scale_log2 : -INFINITY;
        s[n][2 + c] = ok1 ? s[n][2 + c] * G.scale_log2 : -INFINITY;
        mx0 = fmaxf(mx0, s[n][c]);
        mx1 = fmaxf(mx1, s[n][2 + c]);
      }
    }
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
    // Rows with every key masked so far keep m = -inf; use 0 as the exponent base then.
    float base0 = mx0 == -INFINITY ? 0.0f : mx0, base1 = mx1 == -INFINITY ? 0.0f : mx1;
    float alpha0 = exp2f(m0 - base0), alpha1 = exp2f(m1 - base1);
    m0 = mx0; m1 = mx1;
    float sum0 = 0.0f, sum1 = 0.0f;
    uint32_t pf[BC / 16][4];  // P as A fragments for the P·V product
#pragma unroll
    for (int n = 0; n < BC / 8; ++n) {
      float p0 = exp2f(s[n][0] - base0), p1 = exp2f(s[n][1] - base0);
      float p2 = exp2f(s[n][2] - base1), p3 = exp2f(s[n][3] - base1);
      sum0 += p0 + p1;
      sum1 += p2 + p3;
      int kk = n / 2, half = n % 2;
      pf[kk][half * 2 + 0] = pack_bf16(p0, p1);
      pf[kk][half * 2 + 1] = pack_bf16(p2, p3);
    }
    l0 = l0 * alpha0 + sum0;
    l1 = l1 * alpha1 + sum1;
#pragma unroll
    for (int i = 0; i < D / 8; ++i) {
      o[i][0] *= alpha0; o[i][1] *= alpha0;
      o[i][2] *= alpha1; o[i][3] *= alpha1;
    }
    // O += P V  (V as transposed B fragments)
#pragma unroll
    for (int kk = 0; kk < BC / 16; ++kk) {
#pragma unroll
      for (int dn = 0; dn < D / 8; dn += 2) {
        uint32_t r[4];
        int key = kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
        ldmatrix_x4_trans(r, vb + S::off(key, dn * 8 + (lane >> 4) * 8));
        mma_bf16(o[dn], pf[kk], r[0], r[1]);
        mma_bf16(o[dn + 1], pf[kk], r[2], r[3]);
      }
    }
    j = jn; kt = ktn; kbase = kbn; kcount = kcn;
    buf ^= 1;
  }
  cp_async_wait<0>();

  // Row sums across the quad, normalise, store (scatter back to raster positions).
  l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
  l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
  float inv0 = l0 > 0.0f ? 1.0f / l0 : 0.0f, inv1 = l1 > 0.0f ? 1.0f / l1 : 0.0f;
  if (r0 < qcount) {
    __nv_bfloat16* dst = G.o + q_token(r0) * G.ld + head * D;
#pragma unroll
    for (int i = 0; i < D / 8; ++i)
      *reinterpret_cast<uint32_t*>(dst + i * 8 + (lane & 3) * 2) = pack_bf16(o[i][0] * inv0, o[i][1] * inv0);
  }
  if (r1 < qcount) {
    __nv_bfloat16* dst = G.o + q_token(r1) * G.ld + head * D;
#pragma unroll
    for (int i = 0; i < D / 8; ++i)
      *reinterpret_cast<uint32_t*>(dst + i * 8 + (lane & 3) * 2) = pack_bf16(o[i][2] * inv1, o[i][3] * inv1);
  }
}

}  // namespace tsr::cuda
