// The attention kernel family against a double-precision reference whose mask is built
// token by token from the pattern definitions (spec/sparse-attention.md; the masks and umT5
// buckets of tests/attention/reference.h), on fresh random inputs with partial tiles. Accuracy rule (flash-attention's): the kernel's error against
// the float32-input reference is at most twice that of a bf16 PyTorch-style reference.
// Every case runs on each path the device has (Hopper sm_90a where available: the default
// TMA producer and the cp.async producer's variants; and the portable sm_80 kernel), twice:
// the two runs must agree bit for bit (a race would not).
#ifdef TSR_WITH_CUDA
#include <cstring>
#include <functional>

#include "core/threadpool.h"

#include "attention/reference.h"
#include "backend/cuda/attention_sm90.h"
#include "backend/cuda/kernels.h"
#include "cuda_test_util.h"

using namespace tsr;
using namespace tsr::test;

namespace {

struct Pattern { int kind = 0, w[3] = {0, 0, 0}, gframes = 0; };

struct Case {
  int64_t nq, nk;
  int heads, d;
  int grid[3] = {0, 0, 0}, tile[3] = {1, 1, 1};
  std::vector<Pattern> pats;  // empty: dense
  int key_len = -1;
  bool t5_bias = false;
  float scale = 0;
  bool tma = true;  // the Hopper default loads K/V by TMA (false: a case that must fall back)
};

// Per-head token masks of the case's patterns (tests/attention/reference.h); empty when dense.
std::vector<std::vector<uint8_t>> head_masks(const Case& c) {
  std::vector<std::vector<uint8_t>> masks;
  for (const Pattern& p : c.pats) {
    HeadPattern h;
    h.kind = AttnPattern(p.kind);
    for (int ax = 0; ax < 3; ++ax) h.window[ax] = p.w[ax];
    h.global_frames = p.gframes;
    masks.push_back(reference_mask(c.grid, c.tile, h));
  }
  return masks;
}

// Reference attention. bf16_style: operands rounded to bf16, P rounded to bf16 before P·V,
// output rounded (what a bf16 PyTorch implementation computes).
std::vector<double> reference(const Case& c, const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<float>& bias, bool bf16_style) {
  auto rd = [&](float x) { return bf16_style ? double(bf16_to_f32(f32_to_bf16(x))) : double(x); };
  int64_t ld = int64_t(c.heads) * c.d;
  double scale = c.scale != 0 ? c.scale : 1.0 / std::sqrt(double(c.d));
  std::vector<double> out(c.nq * ld, 0.0);
  const auto masks = head_masks(c);
  default_pool().parallel_for(int64_t(c.heads) * c.nq, 8, [&](int64_t lo, int64_t hi) {
    std::vector<double> s(c.nk);
    for (int64_t hi_q = lo; hi_q < hi; ++hi_q) {
      int h = int(hi_q / c.nq);
      int64_t i = hi_q % c.nq;
      const std::vector<uint8_t>* mask = masks.empty() ? nullptr : &masks[size_t(h)];
      double mx = -INFINITY;
      for (int64_t j = 0; j < c.nk; ++j) {
        if ((c.key_len >= 0 && j >= c.key_len) || (mask && !(*mask)[size_t(i * c.nk + j)])) {
          s[j] = -INFINITY;
          continue;
        }
        double acc = 0;
        for (int e = 0; e < c.d; ++e) acc += rd(q[i * ld + h * c.d + e]) * rd(k[j * ld + h * c.d + e]);
        acc *= scale;
        if (c.t5_bias) acc += bias[reference_t5_bucket(int(j - i)) * c.heads + h];
        s[j] = acc;
        mx = std::max(mx, acc);
      }
      double sum = 0;
      for (int64_t j = 0; j < c.nk; ++j) { s[j] = s[j] == -INFINITY ? 0 : std::exp(s[j] - mx); sum += s[j]; }
      for (int64_t j = 0; j < c.nk; ++j) s[j] = bf16_style ? rd(float(s[j] / sum)) : s[j] / sum;
      for (int e = 0; e < c.d; ++e) {
        double acc = 0;
        for (int64_t j = 0; j < c.nk; ++j) acc += s[j] * rd(v[j * ld + h * c.d + e]);
        out[i * ld + h * c.d + e] = bf16_style ? rd(float(acc)) : acc;
      }
    }
  });
  return out;
}

void run_case(Rng& rng, const Case& c, const char* label) {
  int64_t ld = int64_t(c.heads) * c.d;
  auto q = randn(rng, c.nq * ld), k = randn(rng, c.nk * ld), v = randn(rng, c.nk * ld);
  auto bias = randn(rng, 32 * c.heads);
  GuardedBuffer dq(q.size(), 2), dk(k.size(), 2), dv(v.size(), 2), db(bias.size(), 4),
      dp(std::max<size_t>(1, c.pats.size() * 5), 4);
  dq.upload(to_bf16(q).data()); dk.upload(to_bf16(k).data()); dv.upload(to_bf16(v).data()); db.upload(bias.data());
  std::vector<int> pat;
  for (const auto& p : c.pats) pat.insert(pat.end(), {p.kind, p.w[0], p.w[1], p.w[2], p.gframes});
  if (!pat.empty()) dp.upload(pat.data());
  cuda::AttnArgs a;
  a.q = dq.as<__nv_bfloat16>(); a.k = dk.as<__nv_bfloat16>(); a.v = dv.as<__nv_bfloat16>();
  a.nq = c.nq; a.nk = c.nk; a.heads = c.heads; a.head_dim = c.d;
  a.scale = c.scale != 0 ? c.scale : 1.0f / std::sqrt(float(c.d));
  for (int ax = 0; ax < 3; ++ax) { a.grid[ax] = c.grid[ax]; a.tile[ax] = c.tile[ax]; }
  bool sparse = false;
  for (const auto& p : c.pats) sparse |= p.kind != 0;
  a.sparse = sparse;
  a.patterns = pat.empty() ? nullptr : dp.as<int>();
  a.key_len = c.key_len;
  a.rel_bias = c.t5_bias ? db.as<float>() : nullptr;
  auto ref = reference(c, q, k, v, bias, false), ref16 = reference(c, q, k, v, bias, true);
  std::vector<float> ref16f(ref16.begin(), ref16.end());
  const double e16 = rel_err(ref16f, ref);

  // 0: portable; 1: Hopper (default variant, TMA producer); 2, 3, 4: Hopper variants 1-3
  // (attention_sm90.h: cp.async producer without pingpong, with the split wait, pingpong).
  std::vector<int> paths = {0};
  if (cuda::attention_hopper_available()) {
    paths.insert(paths.end(), {1, 2, 3, 4});
    if (!c.t5_bias && (c.d == 64 || c.d == 128)) {
      const bool tma = cuda::attention_sm90_uses_tma(a);
      if (tma != c.tma) std::printf("    %s d=%d: TMA producer %s\n", label, c.d, tma ? "used" : "not used");
      CHECK(tma == c.tma);
    }
  }
  for (int path : paths) {
    std::vector<uint16_t> runs[2];
    for (int rep = 0; rep < 2; ++rep) {
      GuardedBuffer dout(c.nq * ld, 2);  // poisoned with NaN: every element must be written
      a.o = dout.as<__nv_bfloat16>();
      if (path >= 2 && !c.t5_bias && (c.d == 64 || c.d == 128)) {
        bool handled = false;
        CHECK_OK(cuda::attention_sm90_variant(a, nullptr, path - 1, handled));
        CHECK(handled);
      } else {
        CHECK_OK(cuda::attention(a, path != 0, nullptr));
      }
      REQUIRE(cuda_ok());
      runs[rep].resize(c.nq * ld);
      dout.download(runs[rep].data());
      CHECK(dout.guard_intact());
    }
    auto out = from_bf16(runs[0]);
    double e = rel_err(out, ref);
    CHECK(all_finite(out));
    bool same = std::memcmp(runs[0].data(), runs[1].data(), runs[0].size() * 2) == 0;
    CHECK(same);
    bool pass = e <= 2 * e16 + 1e-6;
    static const char* const names[] = {"portable", "hopper", "hopper-nopp", "hopper-split", "hopper-cpasync"};
    if (!pass || !same)
      std::printf("    %s d=%d [%s]: kernel %.3g vs bf16 reference %.3g%s\n", label, c.d, names[path], e, e16,
                  same ? "" : ", runs differ");
    CHECK(pass);
  }
}

}  // namespace

TSR_TEST(cuda, attention_dense_and_cross) {
  if (!have_gpu()) return;
  Rng rng(21);
  for (int d : {64, 128}) {
    Case self{300, 300, 3, d};
    run_case(rng, self, "dense self");
    Case cross{200, 512, 2, d};
    run_case(rng, cross, "cross");
    Case masked{130, 96, 2, d};
    masked.key_len = 37;
    run_case(rng, masked, "key_len");
  }
}

TSR_TEST(cuda, attention_sta_partial_tiles_per_head_windows) {
  if (!have_gpu()) return;
  Rng rng(22);
  struct G { int grid[3], tile[3]; };
  const G geoms[] = {{{5, 9, 11}, {2, 4, 4}}, {{7, 10, 13}, {6, 8, 8}}, {{3, 5, 7}, {4, 8, 8}}, {{4, 6, 6}, {2, 2, 3}}};
  for (const G& g : geoms)
    for (int d : {64, 128}) {
      int heads = 3;
      Case c{int64_t(g.grid[0]) * g.grid[1] * g.grid[2], 0, heads, d};
      c.nk = c.nq;
      for (int ax = 0; ax < 3; ++ax) { c.grid[ax] = g.grid[ax]; c.tile[ax] = g.tile[ax]; }
      for (int h = 0; h < heads; ++h) {
        Pattern p;
        p.kind = h == 2 && d == 64 ? 0 : 1;  // a dense head inside a sparse launch
        for (int ax = 0; ax < 3; ++ax) p.w[ax] = rng.range(1, 4);
        c.pats.push_back(p);
      }
      run_case(rng, c, "sta");
    }
}

TSR_TEST(cuda, attention_tile_pattern) {
  if (!have_gpu()) return;
  Rng rng(23);
  for (int d : {64, 128}) {
    Case c{6 * 4 * 5, 6 * 4 * 5, 2, d};
    int grid[3] = {6, 4, 5}, tile[3] = {2, 2, 3};
    for (int ax = 0; ax < 3; ++ax) { c.grid[ax] = grid[ax]; c.tile[ax] = tile[ax]; }
    Pattern p0, p1;
    p0.kind = 2; p0.gframes = 1;
    p1.kind = 2; p1.gframes = 3;
    c.pats = {p0, p1};
    run_case(rng, c, "tile");
  }
}

// Several key blocks per query block (the ring of shared-memory slots wraps around many
// times), 128-token blocks of (6,8,8) and (4,8,8) tiles cut by the grid's far edges in every
// axis, windows per head (one dense, one wider than the grid), and query blocks of one tile.
TSR_TEST(cuda, attention_long_and_hunyuan_like_tiles) {
  if (!have_gpu()) return;
  Rng rng(25);
  for (int d : {64, 128}) {
    Case dense{1100, 1500, 2, d};
    run_case(rng, dense, "dense long");
    Case cross{700, 512, 2, d};
    run_case(rng, cross, "cross nk=512");
    Case masked{260, 900, 2, d};
    masked.key_len = 777;
    run_case(rng, masked, "key_len 777");
  }
  struct G { int grid[3], tile[3]; };
  const G geoms[] = {{{9, 12, 20}, {6, 8, 8}}, {{7, 16, 13}, {4, 8, 8}}, {{12, 8, 16}, {6, 8, 8}}};
  for (const G& g : geoms)
    for (int d : {64, 128}) {
      int heads = 4;
      Case c{int64_t(g.grid[0]) * g.grid[1] * g.grid[2], 0, heads, d};
      c.nk = c.nq;
      for (int ax = 0; ax < 3; ++ax) { c.grid[ax] = g.grid[ax]; c.tile[ax] = g.tile[ax]; }
      const int wins[4][3] = {{1, 1, 1}, {3, 3, 3}, {2, 1, 3}, {9, 9, 9}};
      for (int h = 0; h < heads; ++h) {
        Pattern p;
        p.kind = h == 3 && d == 128 ? 0 : 1;
        for (int ax = 0; ax < 3; ++ax) p.w[ax] = wins[h][ax];
        c.pats.push_back(p);
      }
      run_case(rng, c, "sta big tiles");
    }
  for (int d : {64, 128}) {  // Attention Tile with (4,8,8) tiles: frames inside a tile differ
    Case c{8 * 10 * 12, 8 * 10 * 12, 3, d};
    int grid[3] = {8, 10, 12}, tile[3] = {4, 8, 8};
    for (int ax = 0; ax < 3; ++ax) { c.grid[ax] = grid[ax]; c.tile[ax] = tile[ax]; }
    Pattern p0, p1, p2;
    p0.kind = 2; p0.gframes = 0;
    p1.kind = 2; p1.gframes = 2;
    p2.kind = 1; p2.w[0] = 1; p2.w[1] = 2; p2.w[2] = 1;
    c.pats = {p0, p1, p2};
    run_case(rng, c, "tile (4,8,8)");
  }
}

TSR_TEST(cuda, attention_generic_kernel_t5_vae_odd_dims) {
  if (!have_gpu()) return;
  Rng rng(24);
  Case t5{40, 40, 4, 64};
  t5.t5_bias = true; t5.key_len = 29; t5.scale = 1.0f;
  run_case(rng, t5, "t5 bias");
  Case vae{96, 96, 1, 384};
  run_case(rng, vae, "vae d=384");
  Case odd{3 * 4 * 5, 3 * 4 * 5, 2, 48};
  int grid[3] = {3, 4, 5}, tile[3] = {2, 2, 2};
  for (int ax = 0; ax < 3; ++ax) { odd.grid[ax] = grid[ax]; odd.tile[ax] = tile[ax]; }
  Pattern p;
  p.kind = 1; p.w[0] = 1; p.w[1] = 2; p.w[2] = 1;
  odd.pats = {p, Pattern{}};
  run_case(rng, odd, "generic sta d=48");
}
// Edge cases of the TMA producer's tile-shaped boxes (attention_tma_sm90.cuh): frames wider
// than a block (boxes of whole rows, several per frame), box frames that do not divide the
// tile's (the last box reaches into the next tile: masked), tiles cut on h and w with their
// own maps, a tile larger than the grid, and a tile row wider than a block (no box fits:
// the cp.async producer runs).
TSR_TEST(cuda, attention_tma_boxes) {
  if (!have_gpu()) return;
  Rng rng(26);
  struct G { int grid[3], tile[3]; bool tma; };
  const G geoms[] = {{{3, 20, 18}, {2, 16, 16}, true},
                     {{11, 6, 20}, {6, 6, 4}, true},
                     {{5, 7, 9}, {3, 10, 12}, true},
                     {{2, 3, 200}, {1, 2, 160}, false}};
  for (const G& g : geoms)
    for (int d : {64, 128}) {
      int heads = 2;
      Case c{int64_t(g.grid[0]) * g.grid[1] * g.grid[2], 0, heads, d};
      c.nk = c.nq;
      c.tma = g.tma;
      for (int ax = 0; ax < 3; ++ax) { c.grid[ax] = g.grid[ax]; c.tile[ax] = g.tile[ax]; }
      Pattern p0, p1;
      p0.kind = 1; p0.w[0] = 1; p0.w[1] = 1; p0.w[2] = 3;
      p1.kind = d == 64 ? 2 : 1; p1.gframes = 1; p1.w[0] = 3; p1.w[1] = 3; p1.w[2] = 1;
      c.pats = {p0, p1};
      run_case(rng, c, "tma boxes");
    }
  for (int d : {64, 128}) {  // untiled keys fewer than a block, and a long cross-attention
    Case few{200, 40, 3, d};
    run_case(rng, few, "dense nk=40");
    Case cross{129, 1000, 1, d};
    cross.key_len = 999;
    run_case(rng, cross, "cross nk=1000 key_len 999");
  }
}
#endif
