// Tiled bf16 tensor-core GEMM for sm_80+ (the portable path): C[M,N] = A[M,K] · B[N,K]ᵀ with a
// 4-stage cp.async pipeline, ldmatrix fragments and padded shared rows (80-byte stride, so
// the eight 16-byte rows an ldmatrix phase reads hit distinct banks). The B operand comes
// through a loader policy (a plain row-major matrix, or the convolution's implicit im2col
// gather) and the result through an epilogue policy, so linear layers and 3D convolutions
// share one kernel. Requires K % 8 == 0 (16-byte chunks never straddle the K edge).
#pragma once

#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/mma_sm80.cuh"

namespace tsr::cuda {

// Tile shapes: BN = 128 output columns, BM in {32, 64, 96, 128} rows (convolutions with few
// output channels use a short tile instead of wasting most of a 128-row one).
template <int BM_>
struct GemmTileT {
  static constexpr int BM = BM_, BN = 128, BK = 32, STAGES = 4, THREADS = 256;
  static constexpr int LD = BK + 8;  // padded shared row, elements
  static constexpr int WARPS_M = BM >= 64 ? 2 : 1, WARPS_N = 8 / WARPS_M;
  static constexpr int WM = BM / WARPS_M, WN = BN / WARPS_N;
  static constexpr int MT = WM / 16, NT = WN / 8;  // mma tiles per warp
  static_assert(WM % 16 == 0 && NT % 2 == 0, "tile shape");
  static constexpr size_t smem_bytes() { return size_t(STAGES) * (BM + BN) * LD * sizeof(__nv_bfloat16); }
};
using GemmTile = GemmTileT<128>;

// A B-operand loader provides: Row row(n) (per-row state, computed once), Cursor cursor(k)
// (the thread's position along K, advanced by BK per stage in order, so no division is
// needed per chunk), and chunk(row, cursor, ok) -> address of 8 contiguous bf16 values.

// Plain B: row n of a row-major [N, K] matrix.
struct MatrixB {
  const __nv_bfloat16* b;
  int64_t N, K;
  struct Row { const __nv_bfloat16* p; bool valid; };
  struct Cursor { int64_t k; };
  __device__ Row row(int64_t n) const { return {b + n * K, n < N}; }
  __device__ Cursor cursor(int64_t k) const { return {k}; }
  __device__ void advance(Cursor& c, int step) const { c.k += step; }
  __device__ const void* chunk(const Row& r, const Cursor& c, bool& ok) const {
    ok = r.valid && c.k < K;
    return ok ? r.p + c.k : b;
  }
};

// Implicit im2col for a 3D convolution over a channels-last input [T, H, W, Cp] (Cp = Cin
// padded to a multiple of 8). Row n is an output position (t, h, w); k = tap * Cp + ci with
// taps in (dt, dh, dw) raster order.
struct ConvB {
  const __nv_bfloat16* x;
  int Cp, T, H, W, kh, kw, st, sh, sw, pt, ph, pw, To, Ho, Wo;
  int64_t N, K;
  struct Row { int t0, h0, w0; bool valid; };
  struct Cursor { int64_t k; int ci, dt, dh, dw; };
  __device__ Row row(int64_t n) const {
    if (n >= N) return {0, 0, 0, false};
    int wo = int(n % Wo), ho = int((n / Wo) % Ho), to = int(n / (int64_t(Wo) * Ho));
    return {to * st - pt, ho * sh - ph, wo * sw - pw, true};
  }
  __device__ Cursor cursor(int64_t k) const {
    int tap = int(k / Cp);
    return {k, int(k % Cp), tap / (kw * kh), (tap / kw) % kh, tap % kw};
  }
  __device__ void advance(Cursor& c, int step) const {
    c.k += step;
    c.ci += step;
    while (c.ci >= Cp) {  // next tap in (dt, dh, dw) order
      c.ci -= Cp;
      if (++c.dw == kw) {
        c.dw = 0;
        if (++c.dh == kh) { c.dh = 0; ++c.dt; }
      }
    }
  }
  __device__ const void* chunk(const Row& r, const Cursor& c, bool& ok) const {
    int t = r.t0 + c.dt, h = r.h0 + c.dh, w = r.w0 + c.dw;
    ok = r.valid && c.k < K && unsigned(t) < unsigned(T) && unsigned(h) < unsigned(H) && unsigned(w) < unsigned(W);
    return ok ? x + ((int64_t(t) * H + h) * W + w) * Cp + c.ci : x;
  }
};

template <class G, class Loader, class Epilogue>
__global__ void __launch_bounds__(G::THREADS)
gemm_sm80_kernel(const __nv_bfloat16* __restrict__ A, int64_t M, int64_t K, Loader bl, int64_t N, Epilogue epi) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  auto* As = reinterpret_cast<__nv_bfloat16*>(smem_raw);
  auto* Bs = As + G::STAGES * G::BM * G::LD;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp / G::WARPS_N, wn = warp % G::WARPS_N;
  const int64_t m0 = int64_t(blockIdx.y) * G::BM, n0 = int64_t(blockIdx.x) * G::BN;

  // Each thread copies 16-byte chunks of rows r and r+64 of B (BN = 128) and of A (rows < BM).
  const int lrow = tid >> 2, lchunk = tid & 3;
  typename Loader::Row brow[2] = {bl.row(n0 + lrow), bl.row(n0 + lrow + 64)};
  const __nv_bfloat16* arow[2] = {A + (m0 + lrow) * K, A + (m0 + lrow + 64) * K};
  const bool avalid[2] = {m0 + lrow < M && lrow < G::BM, m0 + lrow + 64 < M && lrow + 64 < G::BM};
  const bool aown[2] = {lrow < G::BM, lrow + 64 < G::BM};

  // Stages are loaded strictly in K order, so the B cursor just advances by BK each time.
  typename Loader::Cursor bcur = bl.cursor(lchunk * 8);
  auto load_stage = [&](int stage, int64_t k0) {
    int64_t k = k0 + lchunk * 8;
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      int r = lrow + i * 64;
      bool ok = avalid[i] && k < K;
      if (aown[i]) cp_async16(As + (stage * G::BM + r) * G::LD + lchunk * 8, ok ? arow[i] + k : A, ok);
      const void* src = bl.chunk(brow[i], bcur, ok);
      cp_async16(Bs + (stage * G::BN + r) * G::LD + lchunk * 8, src, ok);
    }
    bl.advance(bcur, G::BK);
  };

  float acc[G::MT][G::NT][4];
#pragma unroll
  for (int i = 0; i < G::MT; ++i)
#pragma unroll
    for (int j = 0; j < G::NT; ++j)
#pragma unroll
      for (int c = 0; c < 4; ++c) acc[i][j][c] = 0.0f;

  const int ktiles = int((K + G::BK - 1) / G::BK);
#pragma unroll
  for (int s = 0; s < G::STAGES - 1; ++s) {
    if (s < ktiles) load_stage(s, int64_t(s) * G::BK);
    cp_async_commit();
  }

  for (int kt = 0; kt < ktiles; ++kt) {
    cp_async_wait<G::STAGES - 2>();
    __syncthreads();
    int next = kt + G::STAGES - 1;
    if (next < ktiles) load_stage(next % G::STAGES, int64_t(next) * G::BK);
    cp_async_commit();

    const int stage = kt % G::STAGES;
    const __nv_bfloat16* a_s = As + stage * G::BM * G::LD;
    const __nv_bfloat16* b_s = Bs + stage * G::BN * G::LD;
#pragma unroll
    for (int kk = 0; kk < G::BK; kk += 16) {
      uint32_t af[G::MT][4], bfr[G::NT][2];
#pragma unroll
      for (int i = 0; i < G::MT; ++i)
        ldmatrix_x4(af[i], a_s + (wm * G::WM + i * 16 + (lane & 15)) * G::LD + kk + (lane >> 4) * 8);
#pragma unroll
      for (int j = 0; j < G::NT; j += 2) {
        uint32_t r[4];
        int n = wn * G::WN + j * 8 + (lane & 7) + (lane >> 4) * 8;
        ldmatrix_x4(r, b_s + n * G::LD + kk + ((lane >> 3) & 1) * 8);
        bfr[j][0] = r[0]; bfr[j][1] = r[1]; bfr[j + 1][0] = r[2]; bfr[j + 1][1] = r[3];
      }
#pragma unroll
      for (int i = 0; i < G::MT; ++i)
#pragma unroll
        for (int j = 0; j < G::NT; ++j) mma_bf16(acc[i][j], af[i], bfr[j][0], bfr[j][1]);
    }
  }
  cp_async_wait<0>();

#pragma unroll
  for (int i = 0; i < G::MT; ++i)
#pragma unroll
    for (int j = 0; j < G::NT; ++j) {
      int64_t m = m0 + wm * G::WM + i * 16 + (lane >> 2);
      int64_t n = n0 + wn * G::WN + j * 8 + (lane & 3) * 2;
      epi(m, n, acc[i][j][0], acc[i][j][1], M, N);
      epi(m + 8, n, acc[i][j][2], acc[i][j][3], M, N);
    }
}

}  // namespace tsr::cuda
