#include "backend/cpu/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "backend/cpu/gemm_kernels.h"
#include "backend/cpu/packed_weight.h"
#include "backend/cpu/simd.h"

namespace tsr::cpu {

// Up to this many rows the product runs as dot products / panel sweeps without packing.
static constexpr int64_t kSmallM = 4;

// ------------------------------------------------------------------ ISA selection

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Generic: return "generic";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "?";
}

static const MicroKernel* kernel_for(Isa isa) {
  switch (isa) {
    case Isa::Generic: return ukernel_generic();
    case Isa::Avx2: return ukernel_avx2();
    case Isa::Avx512: return ukernel_avx512();
  }
  return nullptr;
}

bool isa_available(Isa isa) {
  if (!kernel_for(isa)) return false;
#if TSR_X86_TARGETS
  switch (isa) {
    case Isa::Generic: return true;
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  }
  return false;
#else
  return isa == Isa::Generic;
#endif
}

static Isa best_isa() {
  // TSR_CPU_ISA=generic|avx2|avx512 caps the choice (debugging, comparing kernels).
  Isa cap = Isa::Avx512;
  if (const char* env = std::getenv("TSR_CPU_ISA"); env && *env)
    for (Isa isa : {Isa::Generic, Isa::Avx2, Isa::Avx512})
      if (std::strcmp(env, isa_name(isa)) == 0) cap = isa;
  for (Isa isa : {Isa::Avx512, Isa::Avx2})
    if (isa <= cap && isa_available(isa)) return isa;
  return Isa::Generic;
}

static std::atomic<int>& isa_slot() {
  static std::atomic<int> slot{int(best_isa())};
  return slot;
}

Isa gemm_isa() { return Isa(isa_slot().load()); }

bool set_gemm_isa(Isa isa) {
  if (!isa_available(isa)) return false;
  isa_slot() = int(isa);
  return true;
}

const MicroKernel& active_kernel() { return *kernel_for(gemm_isa()); }

int gemm_mr() { return kernel_for(gemm_isa())->mr; }
int gemm_nr() { return kernel_for(gemm_isa())->nr; }

// ------------------------------------------------------------------ blocking

struct Blocking {
  int64_t mc, kc, nc;
};

// KC×NR of B (one micro-panel) stays in L1 while the MC×KC block of A streams from L2;
// the KC×NC panel of B is shared by all threads from L3.
static Blocking blocking_for(const MicroKernel& k) {
  Blocking b;
  b.kc = 256;
  b.mc = int64_t(k.mr) * std::max(1, 144 / k.mr);
  b.nc = int64_t(k.nr) * std::max(1, 2048 / k.nr);
  return b;
}

bool gemm_residual_needs_work(int64_t M, int64_t K) {
  return M > kSmallM && K > blocking_for(active_kernel()).kc;
}

// Per-thread scratch that grows as needed and is reused across calls (GEMMs run thousands of
// times per generation; allocating megabytes each time would fault pages every call).
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  ~Scratch() { std::free(p); }
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      cap = p ? n : 0;
    }
    return p;
  }
};

// ------------------------------------------------------------------ packing

// A rows [i0, i0+mc) × k [p0, p0+kc) into MR-row panels: dst[(panel*kc + k)*MR + r].
static void pack_a(const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int mr,
                   float* dst) {
  for (int64_t ip = 0; ip < mc; ip += mr) {
    int rows = int(std::min<int64_t>(mr, mc - ip));
    float* d = dst + ip * kc;
    for (int r = 0; r < rows; ++r) {
      const float* src = A + (i0 + ip + r) * lda + p0;
      for (int64_t k = 0; k < kc; ++k) d[k * mr + r] = src[k];
    }
    for (int r = rows; r < mr; ++r)
      for (int64_t k = 0; k < kc; ++k) d[k * mr + r] = 0.0f;
  }
}

// B = Wᵀ panel from W[N,K]: dst[k*nr + c] = W[j0+c, p0+k].
static void pack_b_weight(const float* W, int64_t ldw, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                          int nr, float* dst) {
  for (int64_t c = 0; c < nc; ++c) {
    const float* src = W + (j0 + c) * ldw + p0;
    for (int64_t k = 0; k < kc; ++k) dst[k * nr + c] = src[k];
  }
  if (nc < nr)
    for (int64_t k = 0; k < kc; ++k)
      for (int64_t c = nc; c < nr; ++c) dst[k * nr + c] = 0.0f;
}

// B = Wᵀ panel from W pre-packed with another panel width (after switching kernels).
static void pack_b_repacked(const float* P, int src_nr, int64_t K, int64_t j0, int64_t nc, int64_t p0, int64_t kc,
                            int nr, float* dst) {
  for (int64_t c = 0; c < nc; ++c) {
    const int64_t n = j0 + c;
    const float* src = P + ((n / src_nr) * K + p0) * src_nr + n % src_nr;
    for (int64_t k = 0; k < kc; ++k) dst[k * nr + c] = src[k * src_nr];
  }
  if (nc < nr)
    for (int64_t k = 0; k < kc; ++k)
      for (int64_t c = nc; c < nr; ++c) dst[k * nr + c] = 0.0f;
}

// ------------------------------------------------------------------ epilogue

// One row segment of a finished tile: v = t (+ prev) + bm (+ bn); act; then store to out or,
// in residual mode, out += v ⊙ gate. n <= 64. `out` may be `t` (in-place epilogue): v is
// staged in a local array, so no __restrict on those two.
TSR_CLONES
static void epilogue_row(int64_t n, const float* t, const float* __restrict prev, float bm,
                         const float* __restrict bn, Act act, float* out, const float* __restrict gate,
                         bool residual) {
  float v[64];
  for (int64_t j = 0; j < n; ++j) v[j] = t[j] + bm;
  if (prev)
    for (int64_t j = 0; j < n; ++j) v[j] += prev[j];
  if (bn)
    for (int64_t j = 0; j < n; ++j) v[j] += bn[j];
  if (act == Act::GeluTanh)
    for (int64_t j = 0; j < n; ++j) v[j] = gelu_tanh_f32(v[j]);
  else if (act == Act::Silu)
    for (int64_t j = 0; j < n; ++j) v[j] = silu_f32(v[j]);
  if (!residual) {
    for (int64_t j = 0; j < n; ++j) out[j] = v[j];
  } else if (gate) {
    for (int64_t j = 0; j < n; ++j) out[j] += v[j] * gate[j];
  } else {
    for (int64_t j = 0; j < n; ++j) out[j] += v[j];
  }
}

// ------------------------------------------------------------------ small M

// For a handful of rows (time embedding, one token) packing B would cost more than the
// product itself: each output is a dot product of contiguous rows, limited by reading W.
TSR_CLONES
static void dot_rows(int64_t m, int64_t K, const float* __restrict x, int64_t ldx,
                     const float* __restrict w, float* __restrict out) {
  for (int64_t i = 0; i < m; ++i) {
    const float* xi = x + i * ldx;
    float acc[kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= K; k += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += xi[k + l] * w[k + l];
    float s = 0;
    for (; k < K; ++k) s += xi[k] * w[k];
    for (int l = 0; l < kLanes; ++l) s += acc[l];
    out[i] = s;
  }
}

// out[i*nr + c] = Σ_k x[i, k] · panel[k*nr + c] for i < m: a packed panel is already laid out
// for broadcasting x[i, k] against nr contiguous weights.
TSR_CLONES
static void panel_rows(int64_t m, int64_t K, const float* __restrict x, int64_t ldx,
                       const float* __restrict panel, int nr, float* __restrict out) {
  for (int64_t i = 0; i < m * nr; ++i) out[i] = 0.0f;
  for (int64_t i = 0; i < m; ++i) {
    float* o = out + i * nr;
    const float* xi = x + i * ldx;
    for (int64_t k = 0; k < K; ++k) {
      const float xv = xi[k];
      const float* p = panel + k * nr;
      for (int c = 0; c < nr; ++c) o[c] += xv * p[c];
    }
  }
}


static void gemm_small_m_packed(const GemmArgs& g, ThreadPool& pool) {
  const int nr = g.B.packed_nr;
  const int64_t panels = (g.N + nr - 1) / nr;
  pool.parallel_for(panels, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, g.K * nr)), [&](int64_t q0, int64_t q1) {
    float acc[kSmallM * 64];
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t j0 = q * nr, cols = std::min<int64_t>(nr, g.N - j0);
      panel_rows(g.M, g.K, g.A, g.lda, g.B.packed + q * g.K * nr, nr, acc);
      for (int64_t i = 0; i < g.M; ++i) {
        float* out = g.R ? g.R + i * g.ldr + j0 : g.C + i * g.ldc + j0;
        epilogue_row(cols, acc + i * nr, nullptr, g.bias_m ? g.bias_m[i] : 0.0f, g.bias_n ? g.bias_n + j0 : nullptr,
                     g.act, out, g.gate ? g.gate + j0 : nullptr, g.R != nullptr);
      }
    }
  });
}

static void gemm_small_m(const GemmArgs& g, ThreadPool& pool) {
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, g.K));
  pool.parallel_for(g.N, grain, [&](int64_t n0, int64_t n1) {
    float col[kSmallM];
    for (int64_t n = n0; n < n1; ++n) {
      dot_rows(g.M, g.K, g.A, g.lda, g.B.w + n * g.B.ldw, col);
      for (int64_t i = 0; i < g.M; ++i) {
        float bm = g.bias_m ? g.bias_m[i] : 0.0f;
        const float* bn = g.bias_n ? g.bias_n + n : nullptr;
        const float* gate = g.gate ? g.gate + n : nullptr;
        float* out = g.R ? g.R + i * g.ldr + n : g.C + i * g.ldc + n;
        epilogue_row(1, &col[i], nullptr, bm, bn, g.act, out, gate, g.R != nullptr);
      }
    }
  });
}

// ------------------------------------------------------------------ driver

Status gemm(const GemmArgs& g, ThreadPool& pool) {
  if (g.M < 0 || g.N < 0 || g.K < 0)
    return Error(Code::InvalidArgument, "gemm: negative size %lld x %lld x %lld", (long long)g.M,
                 (long long)g.N, (long long)g.K);
  if (g.M == 0 || g.N == 0) return OkStatus();
  if ((g.K > 0 && (!g.A || (!g.B.w && !g.B.pack && !g.B.packed))) || (!g.R && !g.C) ||
      (g.R && g.act != Act::None) || (g.B.packed && (g.B.packed_nr < 1 || g.B.packed_nr > 64)))
    return Error(Code::InvalidArgument, "gemm: inconsistent arguments");

  if (g.M <= kSmallM && g.B.w) {
    gemm_small_m(g, pool);
    return OkStatus();
  }
  if (g.M <= kSmallM && g.B.packed) {
    gemm_small_m_packed(g, pool);
    return OkStatus();
  }

  const MicroKernel& uk = *kernel_for(gemm_isa());
  const int MR = uk.mr, NR = uk.nr;
  const Blocking bl = blocking_for(uk);
  const int64_t nk = g.K == 0 ? 1 : (g.K + bl.kc - 1) / bl.kc;
  const bool residual = g.R != nullptr;
  const bool plain_epilogue = !residual && (g.bias_m || g.bias_n || g.act != Act::None);

  // Partial sums over K blocks need somewhere to live; in residual mode that cannot be R.
  // Partial sums over K blocks need somewhere to live; in residual mode that cannot be R.
  std::unique_ptr<float, void (*)(void*)> own_work(nullptr, std::free);
  float* C = residual ? nullptr : g.C;  // residual mode writes R only
  int64_t ldc = g.ldc;
  if (residual && nk > 1) {
    C = g.work;
    if (!C) {
      const size_t bytes = (size_t(g.M) * size_t(g.N) * sizeof(float) + 63) / 64 * 64;
      own_work.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!own_work) return Error(Code::OutOfMemory, "gemm: workspace of %zu bytes", bytes);
      C = own_work.get();
    }
    ldc = g.N;
  }

  thread_local Scratch b_scratch;
  const int64_t nc_max = std::min(bl.nc, (g.N + NR - 1) / NR * NR);
  float* Bp = b_scratch.get(size_t(nc_max) * size_t(std::max<int64_t>(1, std::min(bl.kc, g.K))));
  if (!Bp) return Error(Code::OutOfMemory, "gemm: packing buffer");
  thread_local Scratch a_shared_scratch;
  float* As = nullptr;  // all of A's current K block, when small (see shared_a below)
  if (g.M * std::min(bl.kc, g.K) <= (int64_t(1) << 20)) {
    As = a_shared_scratch.get(size_t((g.M + MR - 1) / MR * MR) * size_t(std::max<int64_t>(1, std::min(bl.kc, g.K))));
    if (!As) return Error(Code::OutOfMemory, "gemm: packing buffer");
  }
  std::atomic<bool> oom{false};
  const int threads = pool.size();

  for (int64_t jc = 0; jc < g.N; jc += bl.nc) {
    const int64_t nc = std::min(bl.nc, g.N - jc);
    const int64_t npanels = (nc + NR - 1) / NR;
    for (int64_t kb = 0; kb < nk; ++kb) {
      const int64_t p0 = kb * bl.kc;
      const int64_t kc = std::min(bl.kc, g.K - p0);
      const bool first = kb == 0, last = kb == nk - 1;

      // B[p0:p0+kc, jc:jc+nc] in panels: read in place from a weight packed for this
      // kernel, otherwise packed once here and shared by all threads.
      const bool in_place = g.B.packed && g.B.packed_nr == NR;
      auto panel_of = [&](int64_t q) -> const float* {
        if (in_place) return g.B.packed + ((jc / NR + q) * g.K + p0) * NR;
        return Bp + q * kc * NR;
      };
      if (!in_place)
        pool.parallel_for(npanels, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, kc * NR)),
                          [&](int64_t q0, int64_t q1) {
          for (int64_t q = q0; q < q1; ++q) {
            int64_t j0 = jc + q * NR, cols = std::min<int64_t>(NR, g.N - j0);
            float* dst = Bp + q * kc * NR;
            if (g.B.w) pack_b_weight(g.B.w, g.B.ldw, j0, cols, p0, kc, NR, dst);
            else if (g.B.packed) pack_b_repacked(g.B.packed, g.B.packed_nr, g.K, j0, cols, p0, kc, NR, dst);
            else g.B.pack(g.B.ctx, j0, cols, p0, kc, NR, dst);
          }
        });

      // Work items: (row block of A) × (group of B panels), enough of them to keep every
      // thread busy when M is small.
      const int64_t mblocks = (g.M + bl.mc - 1) / bl.mc;
      int64_t groups = std::clamp<int64_t>((4 * threads + mblocks - 1) / mblocks, 1, npanels);
      const int64_t per_group = (npanels + groups - 1) / groups;
      groups = (npanels + per_group - 1) / per_group;

      // When a row block is shared by several items and A is small, pack all of A once
      // (in parallel) instead of once per item.
      const bool shared_a = As && groups > 1;
      if (shared_a) {
        const int64_t mpanels = (g.M + MR - 1) / MR;
        pool.parallel_for(mpanels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, kc * MR)),
                          [&](int64_t a0, int64_t a1) {
          for (int64_t ip = a0; ip < a1; ++ip)
            pack_a(g.A, g.lda, ip * MR, std::min<int64_t>(MR, g.M - ip * MR), p0, kc, MR, As + ip * MR * kc);
        });
      }

      pool.parallel_for(mblocks * groups, 1, [&](int64_t it0, int64_t it1) {
        thread_local Scratch a_scratch;
        float* Ap = shared_a ? nullptr : a_scratch.get(size_t(bl.mc) * size_t(std::max<int64_t>(1, kc)));
        if (!shared_a && !Ap) {
          oom = true;
          return;
        }
        float ct[64 * 64];
        int64_t packed_block = -1;
        for (int64_t it = it0; it < it1; ++it) {
          const int64_t ib = it / groups, gi = it % groups;
          const int64_t i0 = ib * bl.mc, mc = std::min(bl.mc, g.M - i0);
          if (shared_a) {
            Ap = As + i0 * kc;
          } else if (ib != packed_block) {
            pack_a(g.A, g.lda, i0, mc, p0, kc, MR, Ap);
            packed_block = ib;
          }
          const int64_t q_end = std::min(npanels, (gi + 1) * per_group);
          for (int64_t q = gi * per_group; q < q_end; ++q) {
            const int64_t j0 = jc + q * NR;
            const int64_t cols = std::min<int64_t>(NR, g.N - j0);
            const float* bpanel = panel_of(q);
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int64_t rows = std::min<int64_t>(MR, mc - ir);
              const int64_t i0r = i0 + ir;
              const float* apanel = Ap + ir * kc;
              // Full tiles accumulate straight into C (or the workspace); the finished
              // values then get the epilogue in place. Edge tiles go through `ct`.
              if (rows == MR && cols == NR && C) {
                float* c = C + i0r * ldc + j0;
                uk.fn(kc, apanel, bpanel, c, ldc, !first);
                if (last && (residual || plain_epilogue))
                  for (int64_t r = 0; r < MR; ++r) {
                    const int64_t i = i0r + r;
                    float* row = c + r * ldc;
                    epilogue_row(NR, row, nullptr, g.bias_m ? g.bias_m[i] : 0.0f, g.bias_n ? g.bias_n + j0 : nullptr,
                                 g.act, residual ? g.R + i * g.ldr + j0 : row, g.gate ? g.gate + j0 : nullptr,
                                 residual);
                  }
                continue;
              }
              uk.fn(kc, apanel, bpanel, ct, NR, false);
              for (int64_t r = 0; r < rows; ++r) {
                const int64_t i = i0r + r;
                const float* t = ct + r * NR;
                float* c = C ? C + i * ldc + j0 : nullptr;
                if (!last) {
                  if (first) std::memcpy(c, t, size_t(cols) * sizeof(float));
                  else
                    for (int64_t j = 0; j < cols; ++j) c[j] += t[j];
                  continue;
                }
                float* out = residual ? g.R + i * g.ldr + j0 : c;
                epilogue_row(cols, t, first ? nullptr : c, g.bias_m ? g.bias_m[i] : 0.0f,
                             g.bias_n ? g.bias_n + j0 : nullptr, g.act, out,
                             g.gate ? g.gate + j0 : nullptr, residual);
              }
            }
          }
        }
      });
      if (oom) return Error(Code::OutOfMemory, "gemm: packing buffer");
    }
  }
  return OkStatus();
}

}  // namespace tsr::cpu
