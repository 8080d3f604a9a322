// FlashAttention-2-style forward kernel for sm_80+ (the portable path), one family for
// dense, sliding-tile (STA) and Attention Tile patterns (geometry in attention_tiles.cuh).
//
// A block owns BR = 128 query rows of one head: 4 warps x 32 rows, i.e. two m16 tiles per
// warp, so every K/V fragment read from shared memory feeds two MMAs (with one m16 tile per
// warp the kernel was bound by ldmatrix traffic: v1, NOTES-cuda.md). Q stays in shared
// memory and its fragments are reloaded per key block (registers go to the 32x128 fp32
// output). Key blocks of BC = 64 tokens are double-buffered through cp.async with one
// barrier per block; scores are masked only in blocks that need it (partial blocks, frame
// tests). Online softmax in fp32 with exp2. Shared rows are XOR-swizzled by 16-byte chunk
// so ldmatrix phases are conflict-free. Two blocks per SM (96 KB of shared memory each).
#pragma once

#include "backend/cuda/attention_tiles.cuh"
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"
#include "backend/cuda/mma_sm80.cuh"

namespace tsr::cuda {
namespace attn_detail {

// ldmatrix on a shared-space address (the swizzled addresses below are formed in registers).
__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}
__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
}

// Address of 16-byte chunk c of a swizzled row, from the lane's row address with its XOR
// term already applied: the row address has bits 4-6 clear, so the compile-time part of the
// swizzle is an XOR with a constant and the rest an add; no address table in registers.
__device__ __forceinline__ uint32_t swz(uint32_t lane_addr, int c) {
  return (lane_addr ^ uint32_t((c & 7) << 4)) + uint32_t((c & ~7) << 4);
}

template <int D>
struct Sm80Tile {
  static constexpr int BR = 128, BC = 64, WARPS = 4, CH = D / 8;  // CH: 16-byte chunks per row
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
__global__ void __launch_bounds__(128, 2) attention_sm80_kernel(AttnGeom G) {
  using namespace attn_detail;
  using S = Sm80Tile<D>;
  constexpr int BR = S::BR, BC = S::BC, CH = S::CH, NT = S::WARPS * 32;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  auto* qs = reinterpret_cast<__nv_bfloat16*>(smem_raw);
  auto* ks = reinterpret_cast<__nv_bfloat16*>(smem_raw + S::q_bytes);   // [2][BC][D]
  auto* vs = ks + 2 * BC * D;                                              // [2][BC][D]
  int* kinfo = reinterpret_cast<int*>(smem_raw + S::q_bytes + 4 * S::kv_bytes);  // [2][BC]

  // The walk over key blocks and the query block live in shared memory, not registers:
  // registers go to the accumulators (with them in registers d=128 spilled).
  __shared__ alignas(8) unsigned char walk_raw[sizeof(KeyWalk<BC>)], qb_raw[sizeof(QueryBlock<BR>)];
  __shared__ int block_masked[2];
  auto& walk = *reinterpret_cast<KeyWalk<BC>*>(walk_raw);
  auto& qb = *reinterpret_cast<QueryBlock<BR>*>(qb_raw);

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int head = blockIdx.y;
  {
    const QueryBlock<BR> q(G, blockIdx.x);
    if (q.count <= 0) return;  // uniform: before any barrier
    if (tid == 0) {
      qb = q;
      walk = KeyWalk<BC>(G, HeadPattern(G, head), q.tile);
    }
    // ---- Q tile -> shared (fragments are reloaded from there per key block); CH lanes per
    // row, consecutive rows per thread (see for_rows)
    constexpr int QRPT = BR / (NT / CH);
    const int chunk = tid % CH, group = tid / CH;
    for_rows<QRPT>(G, q.tile, q.base, q.count, group * QRPT, [&](int k, bool ok, int64_t tok, int) {
      const __nv_bfloat16* src = G.q + (ok ? tok * G.ld + head * D + chunk * 8 : 0);
      cp_async16(qs + S::off(group * QRPT + k, chunk * 8), src, ok);
    });
  }
  __syncthreads();

  auto load_kv = [&](int buf, const KeyBlock& kb) {
    constexpr int RPT = BC / (NT / CH);  // CH lanes per row, RPT consecutive rows per thread
    const int chunk = tid % CH, group = tid / CH;
    __nv_bfloat16* kd = ks + buf * BC * D;
    __nv_bfloat16* vd = vs + buf * BC * D;
    for_rows<RPT>(G, kb.tile, kb.base, kb.count, group * RPT, [&](int k, bool ok, int64_t tok, int frame) {
      const int r = group * RPT + k;
      const int64_t off = ok ? tok * G.ld + head * D + chunk * 8 : 0;
      cp_async16(kd + S::off(r, chunk * 8), G.k + off, ok);
      cp_async16(vd + S::off(r, chunk * 8), G.v + off, ok);
      if (chunk == 0) kinfo[buf * BC + r] = ok ? frame : -1;
    });
    if (tid == 0) block_masked[buf] = kb.masked;
  };

  int j;
  {
    KeyBlock kb;
    j = walk.next(G, 0, kb);
    if (j < walk.nblocks) load_kv(0, kb);
    cp_async_commit();
  }

  // Per-lane ldmatrix row addresses (bits 4-6 carry the lane's swizzle term, see swz()).
  const int l7 = lane & 7;
  const uint32_t q_lane = (smem_addr(qs) + (warp * 32 + (lane & 15)) * D * 2) | uint32_t(((lane >> 4) ^ l7) << 4);
  const uint32_t k_lane = (smem_addr(ks) + (l7 + (lane >> 4) * 8) * D * 2) | uint32_t((((lane >> 3) & 1) ^ l7) << 4);
  const uint32_t v_lane = (smem_addr(vs) + (l7 + ((lane >> 3) & 1) * 8) * D * 2) | uint32_t(((lane >> 4) ^ l7) << 4);

  float o[2][D / 8][4];
#pragma unroll
  for (int mt = 0; mt < 2; ++mt)
#pragma unroll
    for (int i = 0; i < D / 8; ++i) o[mt][i][0] = o[mt][i][1] = o[mt][i][2] = o[mt][i][3] = 0.0f;
  float m[2][2], l[2][2];
#pragma unroll
  for (int mt = 0; mt < 2; ++mt) m[mt][0] = m[mt][1] = -INFINITY, l[mt][0] = l[mt][1] = 0.0f;

  int buf = 0;
  while (j < walk.nblocks) {
    // Block j landed, and every warp is done with the other buffer (previous block).
    cp_async_wait<0>();
    __syncthreads();
    const bool masked = block_masked[buf];
    int jn;
    {
      KeyBlock kbn;
      jn = walk.next(G, j + 1, kbn);
      if (jn < walk.nblocks) load_kv(buf ^ 1, kbn);
      cp_async_commit();
    }

    // S = Q Kᵀ  (32 x 64 per warp)
    float s[2][BC / 8][4];
#pragma unroll
    for (int mt = 0; mt < 2; ++mt)
#pragma unroll
      for (int n = 0; n < BC / 8; ++n) s[mt][n][0] = s[mt][n][1] = s[mt][n][2] = s[mt][n][3] = 0.0f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t qa[2][4];
#pragma unroll
      for (int mt = 0; mt < 2; ++mt) ldsm_x4(qa[mt], swz(q_lane, 2 * kk) + mt * 16 * D * 2);
#pragma unroll
      for (int n = 0; n < BC / 8; n += 2) {
        uint32_t r[4];
        ldsm_x4(r, swz(k_lane + buf * BC * D * 2, 2 * kk) + n * 8 * D * 2);
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          mma_bf16(s[mt][n], qa[mt], r[0], r[1]);
          mma_bf16(s[mt][n + 1], qa[mt], r[2], r[3]);
        }
      }
    }

    if (masked) {
      const int* ki = kinfo + buf * BC;
      const int kind = walk.kind, gframes = walk.gframes;
      int qframe[2][2];  // this thread's rows: warp*32 + mt*16 + (lane>>2) + 8*hf
#pragma unroll
      for (int mt = 0; mt < 2; ++mt)
#pragma unroll
        for (int hf = 0; hf < 2; ++hf) {
          int r = warp * 32 + mt * 16 + (lane >> 2) + hf * 8;
          qframe[mt][hf] = (G.tiled && r < qb.count) ? qb.frame(G, r) : -1;
        }
#pragma unroll
      for (int n = 0; n < BC / 8; ++n)
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          int kf = ki[n * 8 + (lane & 3) * 2 + c];
#pragma unroll
          for (int mt = 0; mt < 2; ++mt) {
            if (!score_kept(kind, gframes, qframe[mt][0], kf)) s[mt][n][c] = -INFINITY;
            if (!score_kept(kind, gframes, qframe[mt][1], kf)) s[mt][n][2 + c] = -INFINITY;
          }
        }
    }

    // Online softmax per row in the exp2 domain: p = 2^(s·scale_log2 − m), one FFMA per score
    // (the launcher routes non-positive scales elsewhere, so max and scaling commute).
#pragma unroll
    for (int mt = 0; mt < 2; ++mt)
#pragma unroll
      for (int hf = 0; hf < 2; ++hf) {
        float mx = -INFINITY;
#pragma unroll
        for (int n = 0; n < BC / 8; ++n) mx = fmaxf(mx, fmaxf(s[mt][n][2 * hf], s[mt][n][2 * hf + 1]));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        float mnew = fmaxf(m[mt][hf], mx * G.scale_log2);
        // Rows with every key masked so far keep m = -inf; use 0 as the exponent base then.
        float base = mnew == -INFINITY ? 0.0f : mnew;
        float alpha = fast_exp2(m[mt][hf] - base);
        m[mt][hf] = mnew;
        float sum = 0.0f;
#pragma unroll
        for (int n = 0; n < BC / 8; ++n) {
          float a = fast_exp2(fmaf(s[mt][n][2 * hf], G.scale_log2, -base));
          float b = fast_exp2(fmaf(s[mt][n][2 * hf + 1], G.scale_log2, -base));
          s[mt][n][2 * hf] = a;
          s[mt][n][2 * hf + 1] = b;
          sum += a + b;
        }
        l[mt][hf] = l[mt][hf] * alpha + sum;
        // Past the first blocks the running maximum rarely moves: skip the rescale when no
        // row of the warp needs it (a warp-uniform branch).
        if (__any_sync(0xffffffffu, alpha != 1.0f)) {
#pragma unroll
          for (int i = 0; i < D / 8; ++i) {
            o[mt][i][2 * hf] *= alpha;
            o[mt][i][2 * hf + 1] *= alpha;
          }
        }
      }

    // O += P V  (P packed from the scores as A fragments, V as transposed B fragments)
#pragma unroll
    for (int kk = 0; kk < BC / 16; ++kk) {
      uint32_t pf[2][4];
#pragma unroll
      for (int mt = 0; mt < 2; ++mt) {
        pf[mt][0] = pack_bf16(s[mt][2 * kk][0], s[mt][2 * kk][1]);
        pf[mt][1] = pack_bf16(s[mt][2 * kk][2], s[mt][2 * kk][3]);
        pf[mt][2] = pack_bf16(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
        pf[mt][3] = pack_bf16(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
      }
#pragma unroll
      for (int dn = 0; dn < D / 8; dn += 2) {
        uint32_t r[4];
        ldsm_x4_trans(r, swz(v_lane + buf * BC * D * 2, dn) + kk * 16 * D * 2);
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          mma_bf16(o[mt][dn], pf[mt], r[0], r[1]);
          mma_bf16(o[mt][dn + 1], pf[mt], r[2], r[3]);
        }
      }
    }
    j = jn;
    buf ^= 1;
  }
  cp_async_wait<0>();

  // Row sums across the quad, normalise, store (scatter back to raster positions).
#pragma unroll
  for (int mt = 0; mt < 2; ++mt)
#pragma unroll
    for (int hf = 0; hf < 2; ++hf) {
      float sum = l[mt][hf];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
      int r = warp * 32 + mt * 16 + (lane >> 2) + hf * 8;
      if (r >= qb.count) continue;
      __nv_bfloat16* dst = G.o + qb.token(G, r) * G.ld + head * D;
#pragma unroll
      for (int i = 0; i < D / 8; ++i)
        *reinterpret_cast<uint32_t*>(dst + i * 8 + (lane & 3) * 2) =
            pack_bf16(o[mt][i][2 * hf] * inv, o[mt][i][2 * hf + 1] * inv);
    }
}

}  // namespace tsr::cuda
