// Every op of the CUDA backend against the CPU backend (the float32 reference) on fresh
// random inputs with sizes that are not tile multiples. Movement ops must match exactly;
// ops whose CUDA output is bf16 (GEMMs, layer norms, RoPE, attention) within bf16 rounding.
#ifdef TSR_WITH_CUDA
#include <memory>

#include "backend/cuda/cuda_backend.h"
#include "cuda_test_util.h"

using namespace tsr;
using namespace tsr::test;

namespace {

struct Pair {
  std::unique_ptr<Backend> cpu = make_cpu_backend();
  std::unique_ptr<Backend> gpu;
  Pair() {
    auto g = make_cuda_backend(0, CudaPath::Auto);
    if (g.ok()) gpu = std::move(*g);
  }
};

// Compares a CUDA result with the CPU one; NaN/Inf fail first.
void expect_close(Backend& gpu, const Tensor& g, const Tensor& c, double tol, const char* what) {
  REQUIRE(g.defined() && c.defined());
  Tensor gh = gpu.to_host(g);
  REQUIRE(gh.defined());
  CHECK(gh.shape() == c.shape());
  const float* p = gh.data_as<float>();
  bool finite = true;
  for (int64_t i = 0; i < gh.numel(); ++i) finite &= std::isfinite(p[i]);
  if (!finite) std::printf("    %s: non-finite output\n", what);
  CHECK(finite);
  double e = rel_l2(gh, c);
  if (!(e <= tol)) std::printf("    %s: relative L2 %.3g > %.3g\n", what, e, tol);
  CHECK(e <= tol);
}

Tensor rnd(Rng& rng, const Shape& s, float scale = 1.0f) { return random_tensor(rng, s, scale); }

constexpr double kExact = 1e-6, kF32 = 2e-6, kBf16 = 8e-3;

}  // namespace

TSR_TEST(cuda_ops, gemms_norms_elementwise_match_cpu) {
  if (!have_gpu()) return;
  Pair p;
  REQUIRE(p.gpu);
  Backend &C = *p.cpu, &G = *p.gpu;
  Rng rng(31);
  for (int trial = 0; trial < 3; ++trial) {
    int64_t M = rng.range(1, 300), K = 8 * rng.range(1, 50), N = rng.range(1, 260);
    Tensor xh = rnd(rng, {M, K}), wh = rnd(rng, {N, K}, 0.2f), bh = rnd(rng, {N}), gh = rnd(rng, {N}), rh = rnd(rng, {M, N});
    Tensor wc = C.upload(wh, WeightKind::Matrix), wg = G.upload(wh, WeightKind::Matrix);
    Tensor bc = C.upload(bh, WeightKind::Vector), bg = G.upload(bh, WeightKind::Vector);
    Tensor gc = C.upload(gh, WeightKind::Vector), gg = G.upload(gh, WeightKind::Vector);
    Tensor xc = C.from_host(xh), xg = G.from_host(xh);
    for (Act act : {Act::None, Act::GeluTanh, Act::Silu})
      expect_close(G, G.linear(xg, wg, &bg, act), C.linear(xc, wc, &bc, act), 2e-2, "linear");
    // PreciseMatrix from a float32 checkpoint: float32 weights, TF32 products.
    Tensor wpg = G.upload(wh, WeightKind::PreciseMatrix), wpc = C.upload(wh, WeightKind::PreciseMatrix);
    expect_close(G, G.linear_f32(xg, wpg, &bg, Act::GeluTanh), C.linear_f32(xc, wpc, &bc, Act::GeluTanh), 2e-3,
                 "linear precise");
    Tensor rc = C.from_host(rh), rg = G.from_host(rh);
    C.linear_residual_(rc, xc, wc, &bc, &gc);
    G.linear_residual_(rg, xg, wg, &bg, &gg);
    expect_close(G, rg, rc, 2e-2, "linear_residual");

    Tensor yh = rnd(rng, {M, N}), shh = rnd(rng, {N}), sch = rnd(rng, {N});
    Tensor yc = C.from_host(yh), yg = G.from_host(yh);
    Tensor shc = C.upload(shh, WeightKind::Vector), shg = G.upload(shh, WeightKind::Vector);
    Tensor scc = C.upload(sch, WeightKind::Vector), scg = G.upload(sch, WeightKind::Vector);
    expect_close(G, G.layer_norm(yg, nullptr, nullptr, 1e-6f), C.layer_norm(yc, nullptr, nullptr, 1e-6f), kBf16, "layer_norm");
    expect_close(G, G.layer_norm(yg, &gg, &bg, 1e-6f), C.layer_norm(yc, &gc, &bc, 1e-6f), kBf16, "layer_norm affine");
    expect_close(G, G.layer_norm_modulate(yg, shg, scg, 1e-6f), C.layer_norm_modulate(yc, shc, scc, 1e-6f), kBf16,
                 "layer_norm_modulate");
    expect_close(G, G.rms_norm(yg, gg, 1e-6f), C.rms_norm(yc, gc, 1e-6f), kF32, "rms_norm");
    expect_close(G, G.unary(yg, Act::GeluTanh), C.unary(yc, Act::GeluTanh), kF32, "gelu");
    expect_close(G, G.unary(yg, Act::Silu), C.unary(yc, Act::Silu), kF32, "silu");
    // Fresh second operand (rc/rg above went through bf16 GEMMs on the GPU and differ).
    Tensor zh = rnd(rng, {M, N});
    Tensor zc = C.from_host(zh), zg = G.from_host(zh);
    expect_close(G, G.add(yg, zg), C.add(yc, zc), kF32, "add");
    expect_close(G, G.mul(yg, zg), C.mul(yc, zc), kF32, "mul");
    expect_close(G, G.clamp(yg, -0.5f, 0.7f), C.clamp(yc, -0.5f, 0.7f), kExact, "clamp");
    Tensor ac = C.from_host(yh), ag = G.from_host(yh);
    C.add_gated_(ac, zc, &gc);
    G.add_gated_(ag, zg, &gg);
    expect_close(G, ag, ac, kF32, "add_gated");
  }
  CHECK_OK(G.status());
}

TSR_TEST(cuda_ops, movement_rope_embedding_match_cpu) {
  if (!have_gpu()) return;
  Pair p;
  REQUIRE(p.gpu);
  Backend &C = *p.cpu, &G = *p.gpu;
  Rng rng(32);
  Tensor xh = rnd(rng, {3, 5, 7, 11});
  Tensor xc = C.from_host(xh), xg = G.from_host(xh);
  expect_close(G, G.permute(xg, {2, 0, 3, 1}), C.permute(xc, {2, 0, 3, 1}), kExact, "permute");
  Tensor x6 = rnd(rng, {2, 3, 4, 5, 2, 3});
  expect_close(G, G.permute(G.from_host(x6), {5, 0, 1, 3, 2, 4}), C.permute(C.from_host(x6), {5, 0, 1, 3, 2, 4}), kExact,
               "permute 6-d");
  Tensor zh = rnd(rng, {3, 2, 7, 11});
  for (int dim : {0, 1, 3}) {
    Tensor a = rnd(rng, {3, 5, 7, 11});
    Shape s2 = {3, 5, 7, 11};
    s2[dim] = 4;
    Tensor b = rnd(rng, s2);
    expect_close(G, G.concat({G.from_host(a), G.from_host(b)}, dim), C.concat({C.from_host(a), C.from_host(b)}, dim),
                 kExact, "concat");
    expect_close(G, G.slice(G.from_host(a), dim, 1, 3), C.slice(C.from_host(a), dim, 1, 3), kExact, "slice");
  }
  expect_close(G, G.upsample2x(xg), C.upsample2x(xc), kExact, "upsample2x");
  Tensor gam = rnd(rng, {3});
  expect_close(G, G.rms_norm_channels(xg, G.upload(gam, WeightKind::Vector)),
               C.rms_norm_channels(xc, C.upload(gam, WeightKind::Vector)), kF32, "rms_norm_channels");
  expect_close(G, G.rms_norm_channels_act(xg, G.upload(gam, WeightKind::Vector), Act::Silu),
               C.rms_norm_channels_act(xc, C.upload(gam, WeightKind::Vector), Act::Silu), kBf16, "rms_norm_channels_act");
  // Embedding from an f32 and a bf16 table.
  Tensor table = rnd(rng, {50, 24});
  std::vector<int32_t> ids = {3, 0, 49, 7, 7, 12};
  expect_close(G, G.embedding(G.upload(table, WeightKind::Vector), ids),
               C.embedding(C.upload(table, WeightKind::Vector), ids), kExact, "embedding f32");
  expect_close(G, G.embedding(G.upload(table, WeightKind::Embedding), ids),
               C.embedding(C.upload(table, WeightKind::Embedding), ids), kBf16, "embedding bf16");
  // RoPE over a grid that exercises every axis (head_dim 12 and 128).
  for (int hd : {12, 128}) {
    int grid[3] = {3, 4, 5}, heads = 2;
    Tensor q = rnd(rng, {60, heads * hd});
    Tensor qc = C.from_host(q), qg = G.from_host(q);
    C.rope3d_(qc, heads, hd, grid);
    G.rope3d_(qg, heads, hd, grid);
    expect_close(G, qg, qc, kBf16, "rope3d");
  }
  // Bad inputs set the sticky error instead of crashing.
  Tensor bad = G.concat({xg, G.from_host(rnd(rng, {2, 2}))}, 0);
  CHECK(!bad.defined());
  CHECK_CODE(G.status(), Code::ShapeMismatch);
  G.clear_error();
}

TSR_TEST(cuda_ops, conv3d_and_attention_through_the_backend_match_cpu) {
  if (!have_gpu()) return;
  Pair p;
  REQUIRE(p.gpu);
  Backend &C = *p.cpu, &G = *p.gpu;
  Rng rng(33);
  Tensor x = rnd(rng, {5, 3, 9, 10}), w = rnd(rng, {7, 5, 3, 3, 3}, 0.2f), b = rnd(rng, {7});
  Conv3dSpec spec;
  spec.pad[0][0] = 2;
  spec.pad[1][0] = spec.pad[1][1] = spec.pad[2][0] = spec.pad[2][1] = 1;
  expect_close(G, G.conv3d(G.from_host(x), G.upload(w, WeightKind::Conv), &(const Tensor&)G.upload(b, WeightKind::Vector), spec),
               C.conv3d(C.from_host(x), C.upload(w, WeightKind::Conv), &(const Tensor&)C.upload(b, WeightKind::Vector), spec),
               kBf16, "conv3d");
  // Cached frames in front of the input (the VAE's causal cache) without a concatenation.
  Tensor pre = rnd(rng, {5, 2, 9, 10});
  Conv3dSpec sp = spec;
  sp.pad[0][0] = 0;
  {
    Tensor pg = G.from_host(pre), pc = C.from_host(pre);
    Tensor wg = G.upload(w, WeightKind::Conv), wc = C.upload(w, WeightKind::Conv);
    expect_close(G, G.conv3d_prefixed(&pg, G.from_host(x), wg, nullptr, sp),
                 C.conv3d(C.concat({pc, C.from_host(x)}, 1), wc, nullptr, sp), kBf16, "conv3d prefixed");
  }
  // A 2-D kernel uploaded as Conv and viewed as [out, in, 1, 3, 3] (as the VAE does).
  Tensor w2 = rnd(rng, {4, 5, 3, 3}, 0.2f);
  Tensor w2g = G.upload(w2, WeightKind::Conv).reshape({4, 5, 1, 3, 3});
  Tensor w2c = C.upload(w2, WeightKind::Conv).reshape({4, 5, 1, 3, 3});
  Conv3dSpec s2;
  s2.pad[1][0] = s2.pad[1][1] = s2.pad[2][0] = s2.pad[2][1] = 1;
  expect_close(G, G.conv3d(G.from_host(x), w2g, nullptr, s2), C.conv3d(C.from_host(x), w2c, nullptr, s2), kBf16, "conv2d view");

  // STA attention with per-head windows on a grid with partial tiles, through the backend.
  int grid[3] = {5, 6, 7};
  int64_t n = 5 * 6 * 7;
  Tensor q = rnd(rng, {n, 2 * 64}), k = rnd(rng, {n, 2 * 64}), v = rnd(rng, {n, 2 * 64});
  AttnSpec a;
  a.heads = 2;
  a.head_dim = 64;
  for (int ax = 0; ax < 3; ++ax) { a.grid[ax] = grid[ax]; a.tile[ax] = 2 + ax; }
  a.per_head.resize(2);
  a.per_head[0].kind = AttnPattern::Sta;
  a.per_head[0].window[0] = 1; a.per_head[0].window[1] = 2; a.per_head[0].window[2] = 3;
  a.per_head[1].kind = AttnPattern::Tile;
  a.per_head[1].global_frames = 1;
  expect_close(G, G.attention(G.from_host(q), G.from_host(k), G.from_host(v), a),
               C.attention(C.from_host(q), C.from_host(k), C.from_host(v), a), 1e-2, "attention sta+tile");
  // One wide head (the VAE middle block's d = 384) takes the two-GEMM path.
  Tensor wq = rnd(rng, {96, 384}), wk = rnd(rng, {96, 384}), wv = rnd(rng, {96, 384});
  AttnSpec wide;
  wide.heads = 1;
  wide.head_dim = 384;
  expect_close(G, G.attention(G.from_host(wq), G.from_host(wk), G.from_host(wv), wide),
               C.attention(C.from_host(wq), C.from_host(wk), C.from_host(wv), wide), 1e-2, "attention wide head");
  CHECK_OK(G.status());
  CHECK_OK(C.status());
}
#endif
