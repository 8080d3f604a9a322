// conv3d() as an implicit GEMM: out[Cout, P] = W[Cout, Cin·kt·kh·kw] · col[Cin·kt·kh·kw, P],
// P = To·Ho·Wo. The weight is already that row-major matrix, and the output comes out in
// [Cout, To, Ho, Wo] order. The column matrix is never built: the GEMM asks for one packed
// panel of it at a time and pack_conv_panel() gathers it from x, zero padding included.
//
// With few output channels (the VAE's RGB head, the demo model's narrow VAE) each packed
// value would feed only a few products, so packing would cost as much as the arithmetic.
// Those convolutions (stride 1 along W) run as a direct convolution instead: a register
// tile of output channels × output columns accumulates every tap straight from x.
#include <algorithm>
#include <cstring>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/gemm_kernels.h"

namespace tsr::cpu {

namespace {

struct ConvGeom {
  const float* x;
  int64_t cin, T, H, W;
  int64_t kt, kh, kw;
  int64_t st, sh, sw;
  int64_t pt, ph, pw;  // front padding per axis
  int64_t To, Ho, Wo;
};

// Columns of one panel that share an output row (to, ho): consecutive wo map to input
// columns w0, w0 + sw, ... of the input row (t0 + dt, h0 + dh).
struct Run {
  int64_t c0, c1;  // panel columns [c0, c1)
  int64_t t0, h0, w0;
};

void pack_conv_panel(const void* ctx, int64_t j0, int64_t nc, int64_t p0, int64_t kc, int nr, float* dst) {
  const ConvGeom& g = *static_cast<const ConvGeom*>(ctx);
  Run runs[64];
  int nruns = 0;
  for (int64_t c = 0; c < nc;) {
    const int64_t p = j0 + c;
    const int64_t wo = p % g.Wo, ho = p / g.Wo % g.Ho, to = p / (g.Wo * g.Ho);
    const int64_t len = std::min(nc - c, g.Wo - wo);
    runs[nruns++] = {c, c + len, to * g.st - g.pt, ho * g.sh - g.ph, wo * g.sw - g.pw};
    c += len;
  }
  // Row k of the column matrix is (ci, dt, dh, dw), dw fastest; decoded once, then stepped.
  int64_t dw = p0 % g.kw, dh = p0 / g.kw % g.kh, dt = p0 / (g.kw * g.kh) % g.kt, ci = p0 / (g.kw * g.kh * g.kt);
  for (int64_t k = 0; k < kc; ++k) {
    float* d = dst + k * nr;
    const float* xc = g.x + ci * g.T * g.H * g.W;
    for (int r = 0; r < nruns; ++r) {
      const Run& run = runs[r];
      const int64_t t = run.t0 + dt, h = run.h0 + dh;
      if (t < 0 || t >= g.T || h < 0 || h >= g.H) {
        std::memset(d + run.c0, 0, size_t(run.c1 - run.c0) * sizeof(float));
        continue;
      }
      const float* row = xc + (t * g.H + h) * g.W;
      const int64_t w_first = run.w0 + dw;
      if (g.sw == 1) {
        // Valid columns are those with 0 <= w_first + (c - c0) < W.
        const int64_t lo = std::clamp<int64_t>(run.c0 - w_first, run.c0, run.c1);
        const int64_t hi = std::clamp<int64_t>(run.c0 + g.W - w_first, lo, run.c1);
        for (int64_t c = run.c0; c < lo; ++c) d[c] = 0.0f;
        if (hi > lo) std::memcpy(d + lo, row + w_first + (lo - run.c0), size_t(hi - lo) * sizeof(float));
        for (int64_t c = hi; c < run.c1; ++c) d[c] = 0.0f;
      } else {
        for (int64_t c = run.c0; c < run.c1; ++c) {
          const int64_t w = w_first + (c - run.c0) * g.sw;
          d[c] = (w >= 0 && w < g.W) ? row[w] : 0.0f;
        }
      }
    }
    for (int64_t c = nc; c < nr; ++c) d[c] = 0.0f;
    if (++dw == g.kw) {
      dw = 0;
      if (++dh == g.kh) {
        dh = 0;
        if (++dt == g.kt) {
          dt = 0;
          ++ci;
        }
      }
    }
  }
}

// When the direct path wins (measured on Zen 5, one thread, bench cpu_conv3d_*): with few
// output channels packing is pure overhead (VAE head 96->3: 21 -> 39 GFLOP/s; demo VAE 8 ch:
// 47 -> 156); with a short reduction (K = Cin·kt·kh·kw up to ~3k) a tile's weights stay in L2
// and skipping the pack wins too (96 ch k3: 154 -> 172, 32 ch: 115 -> 178). Longer reductions
// stream weights per tile and lose to the blocked GEMM (192 ch k3: 111 vs 175).
bool use_direct(int64_t cout, int64_t K, int stride_w) {
  return stride_w == 1 && (cout <= 16 || K <= 3072);
}

void conv_direct(const ConvGeom& g, const float* w, const float* bias, int64_t cout, float* y, ThreadPool& pool) {
  const MicroKernel& uk = active_kernel();
  const int MB = uk.conv_mb, VW = uk.conv_cols;
  const int64_t K = g.cin * g.kt * g.kh * g.kw;
  const int64_t mpad = (cout + MB - 1) / MB * MB;
  const int64_t npos = g.To * g.Ho * g.Wo;
  // Weights as wt[k][o] so a tap's MB weights are adjacent (zero for o >= cout).
  std::vector<float> wt(static_cast<size_t>(K * mpad), 0.0f);
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t k = 0; k < K; ++k) wt[size_t(k * mpad + o)] = w[o * K + k];

  // Work items are bands of kBand output rows of one output frame. Each copies the input
  // rows its taps read into a W-padded buffer (zero margins, and slack so the last tile may
  // read a full VW lanes), so every tap of every tile is a plain contiguous load. Bands are
  // as tall as fit ~1 MiB of buffer: the kh-1 rows shared with the next band are copied twice.
  const int64_t Wp = std::max(g.pw + g.W, g.Wo + g.kw - 1) + VW;
  const int64_t row_bytes = g.cin * g.kt * Wp * int64_t(sizeof(float));
  const int64_t kBand = std::clamp<int64_t>(((int64_t(1) << 20) / row_bytes - g.kh) / g.sh + 1, 1, 16);
  const int64_t bands = (g.Ho + kBand - 1) / kBand;
  const int64_t HR = (kBand - 1) * g.sh + g.kh;  // input rows per band and (ci, dt)
  pool.parallel_for(g.To * bands, 1, [&](int64_t i0, int64_t i1) {
    // Reused across calls; rows a band does not fill are never read (their taps are skipped).
    thread_local std::vector<float> pad;
    if (pad.size() < size_t(g.cin * g.kt * HR * Wp)) pad.resize(size_t(g.cin * g.kt * HR * Wp));
    std::vector<int64_t> off;
    std::vector<int32_t> kidx;
    for (int64_t item = i0; item < i1; ++item) {
      const int64_t to = item / bands, ho0 = item % bands * kBand, ho1 = std::min(g.Ho, ho0 + kBand);
      const int64_t h_first = ho0 * g.sh - g.ph;
      for (int64_t ci = 0; ci < g.cin; ++ci)
        for (int64_t dt = 0; dt < g.kt; ++dt) {
          const int64_t t = to * g.st + dt - g.pt;
          if (t < 0 || t >= g.T) continue;
          for (int64_t hr = 0; hr < HR; ++hr) {
            const int64_t h = h_first + hr;
            if (h < 0 || h >= g.H) continue;
            float* dst = pad.data() + ((ci * g.kt + dt) * HR + hr) * Wp;
            std::fill(dst, dst + g.pw, 0.0f);
            std::memcpy(dst + g.pw, g.x + ((ci * g.T + t) * g.H + h) * g.W, size_t(g.W) * sizeof(float));
            std::fill(dst + g.pw + g.W, dst + Wp, 0.0f);
          }
        }
      for (int64_t ho = ho0; ho < ho1; ++ho) {
        // Taps of this output row whose input row exists (the others multiply zeros).
        off.clear(), kidx.clear();
        for (int64_t ci = 0; ci < g.cin; ++ci)
          for (int64_t dt = 0; dt < g.kt; ++dt) {
            const int64_t t = to * g.st + dt - g.pt;
            if (t < 0 || t >= g.T) continue;
            for (int64_t dh = 0; dh < g.kh; ++dh) {
              const int64_t h = ho * g.sh + dh - g.ph;
              if (h < 0 || h >= g.H) continue;
              const int64_t base = ((ci * g.kt + dt) * HR + (h - h_first)) * Wp;
              for (int64_t dw = 0; dw < g.kw; ++dw) {
                off.push_back(base + dw);
                kidx.push_back(int32_t(((ci * g.kt + dt) * g.kh + dh) * g.kw + dw));
              }
            }
          }
        float* yrow = y + (to * g.Ho + ho) * g.Wo;
        for (int64_t wo0 = 0; wo0 < g.Wo; wo0 += VW)
          for (int64_t ob = 0; ob < cout; ob += MB)
            uk.conv(int(off.size()), off.data(), kidx.data(), pad.data() + wo0, wt.data() + ob, mpad,
                    yrow + ob * npos + wo0, npos, int(std::min<int64_t>(MB, cout - ob)),
                    int(std::min<int64_t>(VW, g.Wo - wo0)), bias ? bias + ob : nullptr);
      }
    }
  });
}

}  // namespace

Tensor CpuBackend::conv3d(const Tensor& x, const Tensor& w, const Tensor* b, const Conv3dSpec& spec) {
  if (!x.defined() || !w.defined() || (b && !b->defined())) return Tensor();
  if (!check_f32(x, "conv3d", "x") || !check_f32(w, "conv3d", "w")) return Tensor();
  if (x.ndim() != 4 || w.ndim() != 5 || w.dim(1) != x.dim(0))
    return fail(Error(Code::ShapeMismatch, "conv3d: expected x[Cin, T, H, W] and w[Cout, Cin, kt, kh, kw], got x %s, w %s",
                      shape_str(x.shape()).c_str(), shape_str(w.shape()).c_str()));
  for (int a = 0; a < 3; ++a)
    if (spec.stride[a] < 1 || spec.pad[a][0] < 0 || spec.pad[a][1] < 0 || w.dim(2 + a) < 1)
      return fail(Error(Code::InvalidArgument, "conv3d: axis %d has stride %d, padding (%d, %d), kernel %lld", a,
                        spec.stride[a], spec.pad[a][0], spec.pad[a][1], (long long)w.dim(2 + a)));
  const int64_t cout = w.dim(0);
  if (!check_vec(b, cout, "conv3d", "bias")) return Tensor();
  int64_t out[3];
  for (int a = 0; a < 3; ++a) {
    const int64_t padded = x.dim(1 + a) + spec.pad[a][0] + spec.pad[a][1];
    if (padded < w.dim(2 + a))
      return fail(Error(Code::ShapeMismatch, "conv3d: kernel %s larger than padded input %s on axis %d",
                        shape_str(w.shape()).c_str(), shape_str(x.shape()).c_str(), a));
    out[a] = (padded - w.dim(2 + a)) / spec.stride[a] + 1;
  }
  Tensor y = alloc({cout, out[0], out[1], out[2]}, "conv3d");
  if (!y.defined() || y.numel() == 0) return y;

  const ConvGeom geom{x.data_as<float>(), x.dim(0), x.dim(1), x.dim(2), x.dim(3),
                      w.dim(2), w.dim(3), w.dim(4),
                      spec.stride[0], spec.stride[1], spec.stride[2],
                      spec.pad[0][0], spec.pad[1][0], spec.pad[2][0],
                      out[0], out[1], out[2]};
  if (use_direct(cout, x.dim(0) * w.dim(2) * w.dim(3) * w.dim(4), spec.stride[2])) {
    conv_direct(geom, w.data_as<float>(), b ? b->data_as<float>() : nullptr, cout, y.data_as<float>(), pool());
    return y;
  }
  GemmArgs g;
  g.M = cout;
  g.N = out[0] * out[1] * out[2];
  g.K = x.dim(0) * w.dim(2) * w.dim(3) * w.dim(4);
  g.A = w.data_as<float>(), g.lda = g.K;
  g.B.pack = &pack_conv_panel, g.B.ctx = &geom;
  g.C = y.data_as<float>(), g.ldc = g.N;
  g.bias_m = b ? b->data_as<float>() : nullptr;
  Status st = gemm(g, pool());
  if (!st.ok()) return fail(st.with_context("conv3d"));
  return y;
}

}  // namespace tsr::cpu
