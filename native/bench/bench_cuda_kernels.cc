// GPU kernel benchmarks: the attention kernel family at the HunyuanVideo 720p and Wan 480p
// shapes (dense, STA 3x3x3 and 5x5x5 tiles), and bf16 GEMMs (the card's dense rate on a large
// square problem; the Wan 1.3B DiT's linear shapes). FLOPs count kept work only:
// 4 · d · heads · (kept query-key token pairs). PyTorch peers run from bench/peers/*.py.
#ifdef TSR_WITH_CUDA
#include <cuda_runtime.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "backend/cuda/attention_sm90.h"
#include "backend/cuda/cuda_backend.h"
#include "backend/cuda/kernels.h"
#include "bench.h"
#include "core/dtype.h"

using namespace tsr;
using tsr::bench::Work;

namespace {

struct DeviceBuf {
  void* p = nullptr;
  explicit DeviceBuf(size_t bytes) { cudaMalloc(&p, bytes); }
  ~DeviceBuf() { cudaFree(p); }
  template <class T> T* as() const { return static_cast<T*>(p); }
};

// Fills a bf16 buffer with N(0,1)-ish values on the host (never zeros: they time faster).
void fill_random(DeviceBuf& b, size_t n, uint64_t seed) {
  std::vector<uint16_t> h(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 7;
  for (auto& v : h) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v = f32_to_bf16((float((x >> 40) * (1.0 / 16777216.0)) - 0.5f) * 3.4f);
  }
  cudaMemcpy(b.p, h.data(), n * 2, cudaMemcpyHostToDevice);
}

void device_sync() { cudaDeviceSynchronize(); }

// Token pairs an STA window keeps on a grid with (possibly partial) tiles.
double sta_kept_pairs(const int grid[3], const int tile[3], const int win[3]) {
  int nt[3];
  std::vector<int> sizes[3];
  for (int ax = 0; ax < 3; ++ax) {
    nt[ax] = (grid[ax] + tile[ax] - 1) / tile[ax];
    for (int i = 0; i < nt[ax]; ++i) sizes[ax].push_back(std::min(tile[ax], grid[ax] - i * tile[ax]));
  }
  // Separable: kept pairs = product over axes of per-axis kept (query pos, key pos) pairs.
  double total = 1;
  for (int ax = 0; ax < 3; ++ax) {
    double axis = 0;
    int n = nt[ax], w = win[ax];
    for (int q = 0; q < n; ++q) {
      int lo = 0, hi = n - 1;
      if (w > 0 && w < n) {
        int r = w / 2, c = std::min(std::max(q, r), n - 1 - r);
        lo = c - r; hi = c + r;
      }
      for (int k = lo; k <= hi; ++k) axis += double(sizes[ax][q]) * sizes[ax][k];
    }
    total *= axis;
  }
  return total;
}

// Cases are named "<shape> <pattern> <path>": path hopper (the sm_90a kernels, default: TMA
// producer), hopper-cpasync (the same consumers fed by the previous cp.async producer),
// portable (the sm_80 kernel, also timed on Hopper cards), or, in group
// cuda_attention_variants, a Hopper tuning variant of the cp.async producer: hopper-nopp
// without pingpong consumers, hopper-split with the P·V wait in its own basic block
// (attention_sm90.h).
enum class AttnPath { Hopper, Portable, HopperNoPingpong, HopperSplit, HopperCpAsync };

void attention_cases(bench::Runner& b, const char* label, const int grid[3], int heads, AttnPath path) {
  const int d = 128, tile[3] = {6, 8, 8};
  const int64_t n = int64_t(grid[0]) * grid[1] * grid[2];
  const size_t elems = size_t(n) * heads * d;
  DeviceBuf q(elems * 2), k(elems * 2), v(elems * 2), o(elems * 2), pat(size_t(heads) * 5 * 4);
  fill_random(q, elems, 1); fill_random(k, elems, 2); fill_random(v, elems, 3);
  struct W { const char* name; int w[3]; };
  const W wins[] = {{"dense", {0, 0, 0}}, {"sta 5x5x5", {5, 5, 5}}, {"sta 3x3x3", {3, 3, 3}}};
  const char* suffix = path == AttnPath::Hopper             ? " hopper"
                       : path == AttnPath::Portable         ? " portable"
                       : path == AttnPath::HopperNoPingpong ? " hopper-nopp"
                       : path == AttnPath::HopperSplit      ? " hopper-split"
                                                            : " hopper-cpasync";
  for (const W& wn : wins) {
    std::string name = std::string(label) + " " + wn.name + suffix;
    if (!b.wants(name)) continue;
    if (path != AttnPath::Portable && !cuda::attention_hopper_available()) {
      b.skip(name, "no sm_90a kernels for this device");
      continue;
    }
    bool dense = wn.w[0] == 0;
    std::vector<int> p;
    for (int h = 0; h < heads; ++h) p.insert(p.end(), {dense ? 0 : 1, wn.w[0], wn.w[1], wn.w[2], 0});
    cudaMemcpy(pat.p, p.data(), p.size() * 4, cudaMemcpyHostToDevice);
    cuda::AttnArgs a;
    a.q = q.as<__nv_bfloat16>(); a.k = k.as<__nv_bfloat16>(); a.v = v.as<__nv_bfloat16>(); a.o = o.as<__nv_bfloat16>();
    a.nq = a.nk = n; a.heads = heads; a.head_dim = d; a.scale = 1.0f / std::sqrt(float(d));
    for (int ax = 0; ax < 3; ++ax) { a.grid[ax] = grid[ax]; a.tile[ax] = tile[ax]; }
    a.sparse = !dense;
    a.patterns = dense ? nullptr : pat.as<int>();
    double pairs = dense ? double(n) * n : sta_kept_pairs(grid, tile, wn.w);
    if (path == AttnPath::Hopper && !cuda::attention_sm90_uses_tma(a)) b.skip(name + " (tma)", "cp.async producer");
    Status st;
    auto call = [&] {
      if (path == AttnPath::HopperNoPingpong || path == AttnPath::HopperSplit || path == AttnPath::HopperCpAsync) {
        bool handled = false;
        const int variant = path == AttnPath::HopperNoPingpong ? 1 : path == AttnPath::HopperSplit ? 2 : 3;
        st = cuda::attention_sm90_variant(a, nullptr, variant, handled);
      } else {
        st = cuda::attention(a, path == AttnPath::Hopper, nullptr);
      }
    };
    b.run(name, {4.0 * d * heads * pairs, 0}, call, device_sync);
    if (!st.ok()) b.skip(name + " (error)", st.to_string());
  }
}

// Both benchmark shapes (HunyuanVideo 720p, Wan 480p) on each of the given paths.
void attention_shapes(bench::Runner& b, std::initializer_list<AttnPath> paths) {
  CudaProbe p = cuda_probe(0);
  if (!p.usable) {
    b.skip("all", p.reason);
    return;
  }
  const int hunyuan[3] = {30, 48, 80}, wan[3] = {21, 30, 52};
  for (AttnPath path : paths) {
    attention_cases(b, "hunyuan720p", hunyuan, 24, path);
    attention_cases(b, "wan480p", wan, 12, path);
  }
}

}  // namespace

TSR_BENCH(cuda_attention) { attention_shapes(b, {AttnPath::Hopper, AttnPath::HopperCpAsync, AttnPath::Portable}); }

TSR_BENCH(cuda_attention_variants) { attention_shapes(b, {AttnPath::HopperNoPingpong, AttnPath::HopperSplit}); }

TSR_BENCH(cuda_gemm) {
  CudaProbe p = cuda_probe(0);
  if (!p.usable) {
    b.skip("all", p.reason);
    return;
  }
  struct Shape3 { const char* name; int64_t m, n, k; };
  const Shape3 shapes[] = {
      {"square 8192", 8192, 8192, 8192},
      {"dit qkvo 32760x1536x1536", 32760, 1536, 1536},
      {"dit ffn1 32760x8960x1536", 32760, 8960, 1536},
      {"dit ffn2 32760x1536x8960", 32760, 1536, 8960},
  };
  for (const auto& s : shapes) {
    if (!b.wants(s.name)) continue;
    DeviceBuf x(size_t(s.m) * s.k * 2), w(size_t(s.n) * s.k * 2), y(size_t(s.m) * s.n * 2),
        scratch(size_t(s.m) * s.n * 4), bias(size_t(s.n) * 4);
    fill_random(x, size_t(s.m) * s.k, 4);
    fill_random(w, size_t(s.n) * s.k, 5);
    cudaMemset(bias.p, 0, size_t(s.n) * 4);
    // Plain, and with the DiT's epilogues: bias, bias + GELU (what linear() runs).
    for (int epi = 0; epi < 3; ++epi) {
      cuda::GemmArgs a;
      a.x = x.as<__nv_bfloat16>(); a.w = w.as<__nv_bfloat16>();
      a.M = s.m; a.N = s.n; a.K = s.k; a.y = y.p; a.yt = DType::BF16;
      if (epi >= 1) a.bias = bias.as<float>();
      if (epi == 2) a.act = Act::GeluTanh;
      a.scratch = scratch.p;
      for (bool own : {false, true}) {
        if (!own && !cuda::gemm_uses_cublaslt()) continue;
        a.force_own = own;
        std::string name = std::string(s.name) + (epi == 1 ? " +bias" : epi == 2 ? " +bias+gelu" : "") +
                           (own ? " own" : " cublaslt");
        b.run(name, {2.0 * s.m * s.n * s.k, 0}, [&] { (void)cuda::gemm(a, nullptr); }, device_sync);
      }
    }
  }
}
#endif
