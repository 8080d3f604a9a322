// Hopper (sm_90a) attention: the same patterns and semantics as the portable kernel
// (attention_sm80.cuh, geometry in attention_tiles.cuh), FlashAttention-3-style.
//
// A block owns BM = 128 query rows of one head and runs three warpgroups:
//  - warpgroup 0 produces: it gathers Q once with cp.async, then loads each kept key block
//    into rings of STAGES shared-memory slots and publishes it on `full` mbarriers (plus
//    per-row key frames and a mask flag). Two producers (variant bit kTma):
//    * TMA (the default): one elected thread of warp 0 loads K and V as tile-shaped boxes
//      through tensor maps (attention_tma_sm90.cuh), each slot completing on its barrier's
//      transaction count; K and V have separate rings, issued in the order the consumers
//      need them (K of block j+1 before V of block j), and K is released right after its
//      QKᵀ, so K runs up to STAGES-1 blocks ahead and no thread waits for its own copies.
//    * cp.async (the previous producer): all 128 threads gather BN tokens of a key tile by
//      address into one K+V slot, published once the next block has been issued (cp.async
//      completion is observed in order), so it runs one block ahead. It remains the fallback
//      where a tensor map cannot describe the operands: k/v not 16-byte aligned, a tile
//      whose w extent exceeds BN tokens, a sparse launch whose keys are not the grid, or no
//      driver entry point for cuTensorMapEncodeTiled.
//  - warpgroups 1 and 2 consume, 64 query rows each: S = Q·Kᵀ by wgmma with both operands in
//    shared memory, online softmax in registers, O += P·V by wgmma with P from registers and
//    V read MN-major (transposed) from shared memory. The next block's Q·Kᵀ is issued together
//    with the current P·V, so the softmax of one block overlaps the other's tensor-core work.
//    A slot goes back to the producer through its `empty` mbarrier (K after QKᵀ and the
//    mask read, V after P·V, with the TMA producer; both after P·V with cp.async).
// Register budget: setmaxnreg moves registers from the producer (40) to the consumers (232).
// Operand tiles are stored as [D/64][rows][64] with the 128-byte swizzle wgmma reads.
// Built only for sm_90a (TSR_SM90A_DEVICE); other passes compile an empty kernel and the
// launcher declines (the portable kernel runs instead).
#include "backend/cuda/attention_sm90.h"

#include "backend/cuda/attention_tiles.cuh"
#include "backend/cuda/attention_tma_sm90.cuh"
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"
#include "backend/cuda/tensor_map.h"
#include "backend/cuda/tma_sm90.cuh"
#include "backend/cuda/wgmma_sm90.cuh"

namespace tsr::cuda {
namespace {

using namespace attn_detail;
using namespace sm90;

template <int D>
struct Sm90Tile {
  static constexpr int BM = 128, BN = 128, THREADS = 384;
  // As many slots as fit in 227 KB; at least 3, since a slot is published only once the
  // next one has been issued (with 2 the producer and the consumers would wait on each other).
  static constexpr int STAGES = D == 128 ? 3 : 4;
  static_assert(STAGES >= 3);
  static constexpr int PRODUCER_REGS = 56, CONSUMER_REGS = 224;
  static_assert(PRODUCER_REGS * 128 + CONSUMER_REGS * 256 <= 65536, "register file");
  static constexpr uint32_t q_bytes = BM * D * 2, kv_bytes = BN * D * 2;
  static constexpr uint32_t k_off = q_bytes;                             // K ring
  static constexpr uint32_t v_off = k_off + STAGES * kv_bytes;           // V ring
  static constexpr uint32_t kinfo_off = v_off + STAGES * kv_bytes;       // int [STAGES][BN]
  static constexpr uint32_t meta_off = kinfo_off + STAGES * BN * 4;      // int [STAGES]
  // Barriers: full, empty (of K, or of K+V with cp.async), q, then V's full and empty (TMA).
  static constexpr uint32_t bar_off = (meta_off + STAGES * 4 + 7) & ~7u;
  static constexpr size_t smem = bar_off + (4 * STAGES + 1) * 8 + 1024;  // + alignment slack
  static_assert(smem <= 227 * 1024, "shared memory per block");
  // Element offset of (r, c) in a swizzled [D/64][rows][64] tile.
  __device__ static uint32_t off(int rows, int r, int c) {
    return uint32_t((c >> 6) * rows * 64 + r * 64 + ((((c & 63) >> 3) ^ (r & 7)) << 3) + (c & 7));
  }
};

enum : int { kMetaEnd = 1, kMetaMasked = 2 };

// Variant bits: kPingpong, the two consumer warpgroups take turns issuing their tensor-core
// work (named barriers 1 and 2), so one's softmax runs while the other's GEMMs occupy the
// tensor cores; kSplitWait, the wait for P·V sits in its own basic block after the softmax
// (ptxas hoisted it above the softmax when both shared a block: SASS of runs B and C; with
// the split the SASS overlaps as written, but it measured no faster: run D); kTma, the TMA
// producer with separate K and V rings (header comment).
enum : int { kPingpong = 1, kSplitWait = 2, kTma = 4 };

// The TMA producer, run by warp 0 of warpgroup 0 after its share of the Q copies: resolves
// each kept key block (every lane, so lanes can write the block's key frames), and lane 0
// issues the loads. Order of issue: K(0), then K(j+1) before V(j), as the consumers need them.
template <int D, int BN, int STAGES>
__device__ __forceinline__ void tma_producer(const AttnGeom& G, const TmaPlan& P, const KeyWalk<BN>& walk, int head,
                                             __nv_bfloat16* ks, __nv_bfloat16* vs, int* kinfo, int* meta,
                                             uint64_t* kfull, uint64_t* kempty, uint64_t* vfull, uint64_t* vempty,
                                             uint64_t* qfull) {
  constexpr int HALVES = D / 64;  // boxes per block: 64 columns (128 bytes, the swizzle span) each
  const int lane = threadIdx.x & 31;
  const int nblocks = G.tiled ? walk.nblocks / walk.per_tile * P.slabs : walk.nblocks;
  int kst = 0, vst = 0;
  uint32_t kph = 0, vph = 0;
  auto next = [&](int j, TmaBlock& kb) {
    while (j < nblocks && !tma_resolve<BN>(G, walk, P, j, kb)) ++j;
    return j;
  };
  auto load_k = [&](const TmaBlock& kb) {
    mbar_wait(kempty + kst, kph ^ 1);
    if (kb.masked)
      for (int r = lane; r < BN; r += 32) kinfo[kst * BN + r] = tma_row_frame(P, kb, r);
    if (lane == 0) {
      meta[kst] = kb.masked ? kMetaMasked : 0;
      mbar_arrive_expect_tx(kfull + kst, uint32_t(kb.rows) * 128u * HALVES);
      for (int hf = 0; hf < HALVES; ++hf)
        tma_load_5d(ks + kst * BN * D + hf * BN * 64, &P.k[kb.cls], kfull + kst, 0, head * HALVES + hf, kb.w, kb.h,
                    kb.t);
    } else {
      mbar_arrive(kfull + kst);  // after this lane's key frames
    }
    if (++kst == STAGES) kst = 0, kph ^= 1;
  };
  auto load_v = [&](const TmaBlock& kb) {
    mbar_wait(vempty + vst, vph ^ 1);
    if (lane == 0) {
      mbar_arrive_expect_tx(vfull + vst, uint32_t(kb.rows) * 128u * HALVES);
      for (int hf = 0; hf < HALVES; ++hf)
        tma_load_5d(vs + vst * BN * D + hf * BN * 64, &P.v[kb.cls], vfull + vst, 0, head * HALVES + hf, kb.w, kb.h,
                    kb.t);
    }
    if (++vst == STAGES) vst = 0, vph ^= 1;
  };
  auto end_marker = [&]() {  // in the next K slot: the consumers stop there
    mbar_wait(kempty + kst, kph ^ 1);
    if (lane == 0) meta[kst] = kMetaEnd;
    mbar_arrive(kfull + kst);
  };

  TmaBlock cur;
  int j = next(0, cur);
  if (j < nblocks && lane == 0) {  // only maps of classes in use are encoded
    tma_prefetch_map(&P.k[cur.cls]);
    tma_prefetch_map(&P.v[cur.cls]);
  }
  if (j < nblocks) load_k(cur);
  // This warp's Q copies: published after the first K load is on its way.
  cp_async_wait<0>();
  fence_proxy_async();
  mbar_arrive(qfull);
  if (j >= nblocks) end_marker();
  while (j < nblocks) {
    TmaBlock nxt;
    const int jn = next(j + 1, nxt);
    if (jn < nblocks) load_k(nxt);
    else end_marker();
    load_v(cur);
    cur = nxt;
    j = jn;
  }
}

template <int D, int VARIANT>
__global__ void __launch_bounds__(384, 1) attention_sm90_kernel(AttnGeom G, const __grid_constant__ TmaPlan P) {
#ifdef TSR_SM90A_DEVICE
  using T = Sm90Tile<D>;
  constexpr bool TMA = (VARIANT & kTma) != 0;
  constexpr int BM = T::BM, BN = T::BN, STAGES = T::STAGES, CH = D / 8;
  extern __shared__ unsigned char smem_raw[];
  unsigned char* base = smem_raw + ((1024 - (smem_addr(smem_raw) & 1023)) & 1023);
  auto* qs = reinterpret_cast<__nv_bfloat16*>(base);
  auto* ks = reinterpret_cast<__nv_bfloat16*>(base + T::k_off);
  auto* vs = reinterpret_cast<__nv_bfloat16*>(base + T::v_off);
  int* kinfo = reinterpret_cast<int*>(base + T::kinfo_off);
  int* meta = reinterpret_cast<int*>(base + T::meta_off);
  uint64_t* full = reinterpret_cast<uint64_t*>(base + T::bar_off);
  uint64_t* empty = full + STAGES;
  uint64_t* qfull = empty + STAGES;
  uint64_t* vfull = qfull + 1;  // TMA: V's own ring (full/empty above then belong to K)
  uint64_t* vempty = vfull + STAGES;

  const int tid = threadIdx.x, head = blockIdx.y;
  const QueryBlock<BM> qb(G, blockIdx.x);
  if (qb.count <= 0) return;  // uniform, before any barrier
  if (tid == 0) {
    for (int s = 0; s < STAGES; ++s) {
      // cp.async: every producer thread, once its copies landed. TMA: every lane of warp 0
      // (lanes write the slot's key frames; lane 0's arrival also expects the bytes).
      mbar_init(full + s, TMA ? 32 : 128);
      mbar_init(empty + s, 8);  // every consumer warp
      if constexpr (TMA) {
        mbar_init(vfull + s, 1);  // lane 0 of warp 0, with the bytes
        mbar_init(vempty + s, 8);
      }
    }
    mbar_init(qfull, 128);
    if constexpr (TMA) fence_mbarrier_init();
  }
  __syncthreads();

  if (tid < 128) {
    // ------------------------------------------------------------------ producer
    regs_dealloc<T::PRODUCER_REGS>();
    // Lane layout of the copies: CH lanes per row (one 16-byte chunk each), each thread
    // RPT consecutive rows, so a warp's request reads whole rows.
    const int t = tid, chunk = t % CH, group = t / CH;
    constexpr int QRPT = BM / (128 / CH), RPT = BN / (128 / CH);
    for_rows<QRPT>(G, qb.tile, qb.base, qb.count, group * QRPT, [&](int k, bool ok, int64_t tok, int) {
      const __nv_bfloat16* src = G.q + (ok ? tok * G.ld + head * D + chunk * 8 : 0);
      cp_async16(qs + T::off(BM, group * QRPT + k, chunk * 8), src, ok);
    });
    cp_async_commit();
    const KeyWalk<BN> walk(G, HeadPattern(G, head), qb.tile);
    if constexpr (TMA) {
      // V rows past a box smaller than BN are never loaded but are read by P·V (with P = 0):
      // zero them once, so stale shared memory cannot turn 0·NaN into a NaN.
      if (P.zero_v) {
        uint4* vz = reinterpret_cast<uint4*>(vs);
        for (int i = t; i < STAGES * BN * D / 8; i += 128) vz[i] = make_uint4(0, 0, 0, 0);
        fence_proxy_async();  // before the TMA (async proxy) writes into the same slots
        named_bar_sync(3, 128);
      }
      if (t >= 32) {  // warps 1-3: only their part of Q
        cp_async_wait<0>();
        fence_proxy_async();
        mbar_arrive(qfull);
        return;
      }
      tma_producer<D, BN, STAGES>(G, P, walk, head, ks, vs, kinfo, meta, full, empty, vfull, vempty, qfull);
      return;
    }
    int stage = 0, pending = -1;
    uint32_t phase = 0;
    bool q_pending = true;
    KeyBlock kb;
    for (int j = walk.next(G, 0, kb); j < walk.nblocks; j = walk.next(G, j + 1, kb)) {
      mbar_wait(empty + stage, phase ^ 1);
      __nv_bfloat16* kd = ks + stage * BN * D;
      __nv_bfloat16* vd = vs + stage * BN * D;
      for_rows<RPT>(G, kb.tile, kb.base, kb.count, group * RPT, [&](int k, bool ok, int64_t tok, int frame) {
        const int r = group * RPT + k;
        const int64_t off = ok ? tok * G.ld + head * D + chunk * 8 : 0;
        cp_async16(kd + T::off(BN, r, chunk * 8), G.k + off, ok);
        cp_async16(vd + T::off(BN, r, chunk * 8), G.v + off, ok);
        if (chunk == 0) kinfo[stage * BN + r] = ok ? frame : -1;
      });
      if (t == 0) meta[stage] = kb.masked ? kMetaMasked : 0;
      cp_async_commit();
      // Publish the previous slot (and Q) once its copies landed: one block stays in flight.
      cp_async_wait<1>();
      fence_proxy_async();
      if (q_pending) mbar_arrive(qfull), q_pending = false;
      if (pending >= 0) mbar_arrive(full + pending);
      pending = stage;
      if (++stage == STAGES) stage = 0, phase ^= 1;
    }
    cp_async_wait<0>();
    fence_proxy_async();
    if (q_pending) mbar_arrive(qfull);
    if (pending >= 0) mbar_arrive(full + pending);
    // End marker in the next slot.
    mbar_wait(empty + stage, phase ^ 1);
    if (t == 0) meta[stage] = kMetaEnd;
    mbar_arrive(full + stage);
  } else {
    // ------------------------------------------------------------------ consumers
    regs_alloc<T::CONSUMER_REGS>();
    const int cw = tid / 128 - 1, lane = tid & 31, warp = (tid / 32) & 3;
    const int row0 = cw * 64 + warp * 16 + (lane >> 2), row1 = row0 + 8;
    const HeadPattern pat(G, head);
    const int qf0 = (G.tiled && row0 < qb.count) ? qb.frame(G, row0) : -1;
    const int qf1 = (G.tiled && row1 < qb.count) ? qb.frame(G, row1) : -1;
    const float scale = G.scale_log2;
    const uint32_t q_s = smem_addr(qs) + cw * 64 * 128, k_s = smem_addr(ks), v_s = smem_addr(vs);

    float o[D / 2], sc[BN / 2];
    uint32_t p[BN / 16][4];
#pragma unroll
    for (int i = 0; i < D / 2; ++i) o[i] = 0.0f;
    float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.0f, l1 = 0.0f;

    auto issue_qk = [&](int stage) {
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) {
        uint32_t kstep = (kk % 4) * 32;  // k16 steps inside a 128-byte row, then the next half
        uint64_t da = make_desc(q_s + (kk / 4) * BM * 128 + kstep, 16, 1024);
        uint64_t db = make_desc(k_s + stage * T::kv_bytes + (kk / 4) * BN * 128 + kstep, 16, 1024);
        wgmma_ss_m64n128k16(sc, da, db, kk > 0);
      }
    };
    auto issue_pv = [&](int stage) {
#pragma unroll
      for (int kk = 0; kk < BN / 16; ++kk) {
        uint64_t db = make_desc(v_s + stage * T::kv_bytes + kk * 16 * 128, BN * 128, 1024);
        if constexpr (D == 128) wgmma_rs_m64n128k16_tb(o, p[kk], db, 1);
        else wgmma_rs_m64n64k16_tb(o, p[kk], db, 1);
      }
    };
    // Masks, then turns the scores into exp2-domain probabilities (in place) and returns the
    // running-max correction of each row; row sums go to l after the rescale.
    float alpha0, alpha1, sum0, sum1;
    auto softmax = [&](int stage, int flags) {
      if (flags & kMetaMasked) {
        const int* ki = kinfo + stage * BN;
#pragma unroll
        for (int i = 0; i < BN / 8; ++i)
#pragma unroll
          for (int c = 0; c < 2; ++c) {
            int kf = ki[i * 8 + (lane & 3) * 2 + c];
            if (!score_kept(pat.kind, pat.gframes, qf0, kf)) sc[i * 4 + c] = -INFINITY;
            if (!score_kept(pat.kind, pat.gframes, qf1, kf)) sc[i * 4 + 2 + c] = -INFINITY;
          }
      }
      float mx0 = -INFINITY, mx1 = -INFINITY;
#pragma unroll
      for (int i = 0; i < BN / 8; ++i) {
        mx0 = fmaxf(mx0, fmaxf(sc[i * 4], sc[i * 4 + 1]));
        mx1 = fmaxf(mx1, fmaxf(sc[i * 4 + 2], sc[i * 4 + 3]));
      }
      mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
      mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
      mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
      mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
      float n0 = fmaxf(m0, mx0 * scale), n1 = fmaxf(m1, mx1 * scale);
      // Rows with every key masked so far keep m = -inf; use 0 as the exponent base then.
      float b0 = n0 == -INFINITY ? 0.0f : n0, b1 = n1 == -INFINITY ? 0.0f : n1;
      alpha0 = fast_exp2(m0 - b0);
      alpha1 = fast_exp2(m1 - b1);
      m0 = n0;
      m1 = n1;
      sum0 = sum1 = 0.0f;
#pragma unroll
      for (int i = 0; i < BN / 8; ++i) {
        sc[i * 4] = fast_exp2(fmaf(sc[i * 4], scale, -b0));
        sc[i * 4 + 1] = fast_exp2(fmaf(sc[i * 4 + 1], scale, -b0));
        sc[i * 4 + 2] = fast_exp2(fmaf(sc[i * 4 + 2], scale, -b1));
        sc[i * 4 + 3] = fast_exp2(fmaf(sc[i * 4 + 3], scale, -b1));
        sum0 += sc[i * 4] + sc[i * 4 + 1];
        sum1 += sc[i * 4 + 2] + sc[i * 4 + 3];
      }
    };
    auto rescale_and_pack = [&]() {
      l0 = l0 * alpha0 + sum0;
      l1 = l1 * alpha1 + sum1;
      if (__any_sync(0xffffffffu, alpha0 != 1.0f || alpha1 != 1.0f)) {
#pragma unroll
        for (int i = 0; i < D / 8; ++i) {
          o[i * 4] *= alpha0;
          o[i * 4 + 1] *= alpha0;
          o[i * 4 + 2] *= alpha1;
          o[i * 4 + 3] *= alpha1;
        }
      }
#pragma unroll
      for (int kk = 0; kk < BN / 16; ++kk) {
        p[kk][0] = pack_bf16(sc[kk * 8], sc[kk * 8 + 1]);
        p[kk][1] = pack_bf16(sc[kk * 8 + 2], sc[kk * 8 + 3]);
        p[kk][2] = pack_bf16(sc[kk * 8 + 4], sc[kk * 8 + 5]);
        p[kk][3] = pack_bf16(sc[kk * 8 + 6], sc[kk * 8 + 7]);
      }
    };
    auto release = [&](uint64_t* bar) {
      __syncwarp();
      if (lane == 0) mbar_arrive(bar);
    };
    // The V slot of the block in P·V: its own ring with TMA, the K+V slot `prev` otherwise.
    int vstage = 0;
    uint32_t vphase = 0;
    auto wait_v = [&]() {
      if constexpr (TMA) mbar_wait(vfull + vstage, vphase);
    };
    auto release_v = [&](int prev) {
      if constexpr (TMA) {
        release(vempty + vstage);
        if (++vstage == STAGES) vstage = 0, vphase ^= 1;
      } else {
        release(empty + prev);
      }
    };
    // Pingpong turns: wait for ours before issuing a batch of wgmma, pass it on after.
    auto my_turn = [&]() {
      if constexpr ((VARIANT & kPingpong) != 0) named_bar_sync(1 + cw, 256);
    };
    auto their_turn = [&]() {
      if constexpr ((VARIANT & kPingpong) != 0) named_bar_arrive(2 - cw, 256);
    };
    if (cw == 1) their_turn();  // consumer 0 goes first

    mbar_wait(qfull, 0);
    int stage = 0;
    uint32_t phase = 0;
    mbar_wait(full + stage, phase);
    int flags = meta[stage];
    if (!(flags & kMetaEnd)) {
      my_turn();
      wgmma_fence();
      issue_qk(stage);
      wgmma_commit();
      their_turn();
      wgmma_wait<0>();
      fence_regs(sc);
      softmax(stage, flags);
      if constexpr (TMA) release(empty + stage);  // K (and its key frames) no longer needed
      rescale_and_pack();
      int prev = stage;
      if (++stage == STAGES) stage = 0, phase ^= 1;
      for (;;) {
        mbar_wait(full + stage, phase);
        flags = meta[stage];
        if (flags & kMetaEnd) break;
        wait_v();
        my_turn();
        wgmma_fence();
        issue_qk(stage);  // S of this block ...
        wgmma_commit();
        issue_pv(TMA ? vstage : prev);  // ... while O takes the previous block's P·V
        wgmma_commit();
        their_turn();
        wgmma_wait<1>();
        fence_regs(sc);
        softmax(stage, flags);
        // Pin the softmax results here: without this the compiler sinks the whole softmax
        // below the wait for P·V (seen in SASS), and nothing overlaps the tensor cores.
        fence_regs(sc);
        fence_scalars(alpha0, alpha1, sum0, sum1);
        if constexpr (TMA) release(empty + stage);  // QKᵀ done (wait<1>), mask read
        auto finish_pv = [&]() {
          wgmma_wait<0>();
          fence_regs(o);
          fence_regs(p);  // P was read by the P·V just finished: keep it in place until here
          release_v(prev);
          rescale_and_pack();
        };
        if constexpr ((VARIANT & kSplitWait) != 0) {
          // `flags` is never negative, but the compiler cannot know: the branch ends the basic
          // block, and ptxas schedules within blocks, so the wait stays below the softmax.
          if (flags >= 0) finish_pv();
        } else {
          finish_pv();
        }
        prev = stage;
        if (++stage == STAGES) stage = 0, phase ^= 1;
      }
      wait_v();
      my_turn();
      wgmma_fence();
      issue_pv(TMA ? vstage : prev);
      wgmma_commit();
      their_turn();
      wgmma_wait<0>();
      fence_regs(o);
      release_v(prev);
    }
    // Both consumers issue the same number of batches; consumer 1's first hand-over is
    // still pending on barrier 1: take it so no arrival outlives the block.
    if (cw == 0) my_turn();

    // Row sums across the quad, normalise, store (scatter back to raster positions).
    l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
    l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
    l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
    float inv0 = l0 > 0.0f ? 1.0f / l0 : 0.0f, inv1 = l1 > 0.0f ? 1.0f / l1 : 0.0f;
    if (row0 < qb.count) {
      __nv_bfloat16* dst = G.o + qb.token(G, row0) * G.ld + head * D + (lane & 3) * 2;
#pragma unroll
      for (int i = 0; i < D / 8; ++i)
        *reinterpret_cast<uint32_t*>(dst + i * 8) = pack_bf16(o[i * 4] * inv0, o[i * 4 + 1] * inv0);
    }
    if (row1 < qb.count) {
      __nv_bfloat16* dst = G.o + qb.token(G, row1) * G.ld + head * D + (lane & 3) * 2;
#pragma unroll
      for (int i = 0; i < D / 8; ++i)
        *reinterpret_cast<uint32_t*>(dst + i * 8) = pack_bf16(o[i * 4 + 2] * inv1, o[i * 4 + 3] * inv1);
    }
  }
#endif
}

// Whether the current device runs this file's sm_90a code: compute capability 9.0 and a
// kernel image built for it (the binary version tells which image the driver picked).
bool sm90_ready() {
#ifdef TSR_HOPPER_ATTENTION
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) return false;
  static int cached[16] = {};  // 0 unknown, 1 yes, 2 no
  if (dev >= 0 && dev < 16 && cached[dev]) return cached[dev] == 1;
  int major = 0, minor = 0;
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev);
  cudaFuncAttributes attr{};
  bool ok = major == 9 && minor == 0 &&
            cudaFuncGetAttributes(&attr, attention_sm90_kernel<128, kPingpong>) == cudaSuccess &&
            attr.binaryVersion == 90;
  cudaGetLastError();  // clear a failed query
  if (dev >= 0 && dev < 16) cached[dev] = ok ? 1 : 2;
  return ok;
#else
  return false;  // no sm_90a image in this build (an sm_90 image would hold the empty kernel)
#endif
}

// The TMA producer's plan for a launch: box classes (tma_boxes) and their maps. False where a
// tensor map cannot describe the operands; the cp.async producer runs then.
bool make_tma_plan(const AttnArgs& a, const AttnGeom& g, int BN, TmaPlan& P) {
  if (!tensor_maps_available()) return false;
  TmaLayout L;
  if (!tma_boxes(a, g, BN, P, L)) return false;
  for (int cls = 0; cls < 4; ++cls) {
    if (!L.used[cls]) continue;
    const uint32_t box[5] = {64, 1, uint32_t(P.bw[cls]), uint32_t(P.bh[cls]), uint32_t(P.bt[cls])};
    if (!encode_bf16_tensor_map(&P.k[cls], a.k, 5, L.dims, L.strides, box).ok()) return false;
    if (!encode_bf16_tensor_map(&P.v[cls], a.v, 5, L.dims, L.strides, box).ok()) return false;
  }
  return true;
}

template <int D, int VARIANT>
Status launch_sm90(const AttnArgs& a, const TmaPlan& plan, cudaStream_t s) {
  using T = Sm90Tile<D>;
  static bool configured = false;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(attention_sm90_kernel<D, VARIANT>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, int(T::smem));
    if (e != cudaSuccess) return cuda_status(e, "attention_sm90 smem attribute");
    configured = true;
  }
  unsigned blocks = 0;
  AttnGeom g = make_attn_geom(a, T::BM, blocks);
  attention_sm90_kernel<D, VARIANT><<<dim3(blocks, unsigned(a.heads)), T::THREADS, T::smem, s>>>(g, plan);
  return check_launch("attention_sm90");
}

// The plan of `a` for the TMA producer; false when it cannot run (see make_tma_plan).
bool plan_for(const AttnArgs& a, TmaPlan& plan) {
  unsigned blocks = 0;
  AttnGeom g = make_attn_geom(a, Sm90Tile<128>::BM, blocks);
  return make_tma_plan(a, g, Sm90Tile<128>::BN, plan);
}

template <int D>
Status launch_variant(const AttnArgs& a, cudaStream_t s, int variant) {
  TmaPlan plan{};  // unused by the cp.async variants
  switch (variant) {
    case 1: return launch_sm90<D, kSplitWait>(a, plan, s);
    case 2: return launch_sm90<D, kPingpong | kSplitWait>(a, plan, s);
    case 3: return launch_sm90<D, kPingpong>(a, plan, s);
    default:
      if (plan_for(a, plan)) return launch_sm90<D, kPingpong | kTma>(a, plan, s);
      return launch_sm90<D, kPingpong>(a, plan, s);
  }
}

}  // namespace

bool attention_hopper_available() { return sm90_ready(); }

bool attention_sm90_uses_tma(const AttnArgs& a) {
  if (!sm90_ready() || (a.head_dim != 64 && a.head_dim != 128)) return false;
  TmaPlan plan{};
  return plan_for(a, plan);
}

Status attention_sm90_variant(const AttnArgs& a, cudaStream_t s, int variant, bool& handled) {
  handled = false;
  if (!sm90_ready()) return OkStatus();
  if (a.head_dim != 64 && a.head_dim != 128) return OkStatus();
  handled = true;
  return a.head_dim == 128 ? launch_variant<128>(a, s, variant) : launch_variant<64>(a, s, variant);
}

Status attention_sm90(const AttnArgs& a, cudaStream_t s, bool& handled) {
  return attention_sm90_variant(a, s, 0, handled);
}

}  // namespace tsr::cuda
