// cpu_attention against the brute-force reference: dense, STA and Attention Tile on random
// shapes with partial tiles, per-head pattern mixes, odd head dims, cross-attention and the
// umT5 bias/mask variant. Outputs are written into a guarded buffer to catch stray writes.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "attention/cpu_attention.h"
#include "attention/rel_bucket.h"
#include "harness.h"
#include "reference.h"

using namespace tsr;

namespace {

constexpr float kGuard = 12345.678f;
constexpr int64_t kGuardLen = 64;

// Output tensor whose storage is followed by a guard region.
struct GuardedOut {
  std::shared_ptr<std::vector<float>> buf;
  Tensor t;
  int64_t n = 0;
  GuardedOut(int64_t rows, int64_t cols) : n(rows * cols) {
    buf = std::make_shared<std::vector<float>>(size_t(n + kGuardLen), kGuard);
    t = Tensor::wrap(buf->data(), DType::F32, {rows, cols}, DeviceKind::Cpu, buf);
  }
  bool guard_intact() const {
    for (int64_t i = n; i < n + kGuardLen; ++i)
      if ((*buf)[size_t(i)] != kGuard) return false;
    return true;
  }
  bool all_finite() const {
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite((*buf)[size_t(i)])) return false;
    return true;
  }
};

HeadPattern sta(int wt, int wh, int ww) {
  HeadPattern p;
  p.kind = AttnPattern::Sta;
  p.window[0] = wt;
  p.window[1] = wh;
  p.window[2] = ww;
  return p;
}
HeadPattern tile_pattern(int k) {
  HeadPattern p;
  p.kind = AttnPattern::Tile;
  p.global_frames = k;
  return p;
}

std::string pattern_str(const HeadPattern& p) {
  std::ostringstream os;
  if (p.kind == AttnPattern::Dense) os << "dense";
  if (p.kind == AttnPattern::Sta) os << "sta(" << p.window[0] << "," << p.window[1] << "," << p.window[2] << ")";
  if (p.kind == AttnPattern::Tile) os << "tile(" << p.global_frames << ")";
  return os.str();
}

// Runs cpu_attention and the reference for one spec; returns the relative L2 error.
double run_case(test::Rng& rng, const AttnSpec& spec, bool verbose = false) {
  int64_t n = int64_t(spec.grid[0]) * spec.grid[1] * spec.grid[2];
  int64_t ld = int64_t(spec.heads) * spec.head_dim;
  Tensor q = test::random_tensor(rng, {n, ld}, 1.5f);
  Tensor k = test::random_tensor(rng, {n, ld}, 1.5f);
  Tensor v = test::random_tensor(rng, {n, ld});
  GuardedOut out(n, ld);
  Status st = cpu_attention(q, k, v, out.t, spec, default_pool());
  CHECK_OK(st);
  if (!st.ok()) return INFINITY;
  CHECK(out.guard_intact());
  CHECK(out.all_finite());
  test::RefAttn ref;
  ref.heads = spec.heads;
  ref.head_dim = spec.head_dim;
  ref.scale = spec.scale;
  for (int h = 0; h < spec.heads; ++h)
    ref.masks.push_back(test::reference_mask(spec.grid, spec.tile,
                                             spec.per_head.empty() ? HeadPattern{} : spec.per_head[size_t(h)]));
  Tensor expect = test::reference_attention(q, k, v, ref);
  double err = rel_l2(out.t, expect);
  if (verbose || !(err <= 1e-5) || std::getenv("TSR_VERBOSE")) {
    std::ostringstream os;
    os << "grid " << spec.grid[0] << "x" << spec.grid[1] << "x" << spec.grid[2] << " tile " << spec.tile[0]
       << "x" << spec.tile[1] << "x" << spec.tile[2] << " d " << spec.head_dim << ":";
    for (const auto& p : spec.per_head) os << " " << pattern_str(p);
    std::printf("    %s -> %.3g\n", os.str().c_str(), err);
  }
  return err;
}

}  // namespace

TSR_TEST(attention, dense_matches_reference_odd_sizes) {
  test::Rng rng(11);
  for (int d : {64, 128, 1, 17, 33}) {
    AttnSpec spec;
    spec.heads = 2;
    spec.head_dim = d;
    spec.grid[0] = 1;
    spec.grid[1] = 1;
    spec.grid[2] = 300 + d;  // not a multiple of any block size
    CHECK_REL_L2(run_case(rng, spec), 1e-5);
  }
}

TSR_TEST(attention, sta_and_tile_match_reference_random) {
  test::Rng rng(12);
  struct Shape3 {
    int tile[3];
    int grid_lo[3], grid_hi[3];
  };
  // Grids drawn so that most axes end in a partial tile.
  const Shape3 shapes[] = {
      {{6, 8, 8}, {7, 9, 17}, {13, 17, 23}},
      {{4, 8, 8}, {5, 9, 17}, {11, 17, 23}},
      {{2, 2, 3}, {5, 5, 7}, {9, 9, 11}},
      {{1, 3, 2}, {2, 7, 5}, {5, 11, 11}},
  };
  const int dims[] = {64, 128, 24, 5};
  int cases = 0;
  for (const auto& sh : shapes) {
    for (int rep = 0; rep < 3; ++rep) {
      AttnSpec spec;
      int ntiles[3];
      for (int a = 0; a < 3; ++a) {
        spec.tile[a] = sh.tile[a];
        spec.grid[a] = rng.range(sh.grid_lo[a], sh.grid_hi[a]);
      }
      // Keep the brute-force reference affordable.
      int64_t plane = int64_t(spec.grid[1]) * spec.grid[2];
      spec.grid[0] = int(std::min<int64_t>(spec.grid[0], std::max<int64_t>(1, 1500 / plane)));
      for (int a = 0; a < 3; ++a) ntiles[a] = (spec.grid[a] + spec.tile[a] - 1) / spec.tile[a];
      spec.head_dim = dims[(rep + cases) % 4];
      spec.heads = rng.range(2, 4);
      for (int h = 0; h < spec.heads; ++h) {
        int kind = rng.range(0, 5);
        if (kind == 0) spec.per_head.push_back(HeadPattern{});
        else if (kind == 1) spec.per_head.push_back(tile_pattern(rng.range(0, 2)));
        // Mostly windows smaller than the tile grid, sometimes even, sometimes covering.
        else spec.per_head.push_back(sta(rng.range(1, ntiles[0]), rng.range(1, ntiles[1]), rng.range(1, ntiles[2])));
      }
      CHECK_REL_L2(run_case(rng, spec), 1e-5);
      ++cases;
    }
  }
  CHECK(cases == 12);
}

TSR_TEST(attention, sta_covering_window_equals_dense) {
  test::Rng rng(13);
  AttnSpec spec;
  spec.heads = 3;
  spec.head_dim = 32;
  spec.grid[0] = 5; spec.grid[1] = 7; spec.grid[2] = 9;
  spec.tile[0] = 2; spec.tile[1] = 3; spec.tile[2] = 4;  // tiles 3x3x3, all partial at the edge
  int64_t n = 5 * 7 * 9, ld = 3 * 32;
  Tensor q = test::random_tensor(rng, {n, ld}, 2.0f);
  Tensor k = test::random_tensor(rng, {n, ld}, 2.0f);
  Tensor v = test::random_tensor(rng, {n, ld});
  Tensor dense = host_empty(DType::F32, {n, ld});
  Tensor sparse = host_empty(DType::F32, {n, ld});
  AttnSpec dspec = spec;
  REQUIRE_OK(cpu_attention(q, k, v, dense, dspec, default_pool()));
  // Exactly the grid, larger than the grid, and an even window that reaches the edge.
  spec.per_head = {sta(3, 3, 3), sta(9, 9, 9), sta(2, 2, 2)};
  REQUIRE_OK(cpu_attention(q, k, v, sparse, spec, default_pool()));
  CHECK(rel_l2(sparse, dense) == 0.0);  // covering patterns run on the dense path
  // And a window that does not cover must differ.
  spec.per_head = {sta(1, 3, 3), sta(3, 1, 3), sta(3, 3, 1)};
  REQUIRE_OK(cpu_attention(q, k, v, sparse, spec, default_pool()));
  CHECK(rel_l2(sparse, dense) > 1e-3);
}

TSR_TEST(attention, tile_pattern_all_global_equals_dense) {
  test::Rng rng(14);
  AttnSpec spec;
  spec.heads = 2;
  spec.head_dim = 16;
  spec.grid[0] = 4; spec.grid[1] = 5; spec.grid[2] = 6;
  int64_t n = 120, ld = 32;
  Tensor q = test::random_tensor(rng, {n, ld}, 2.0f);
  Tensor k = test::random_tensor(rng, {n, ld}, 2.0f);
  Tensor v = test::random_tensor(rng, {n, ld});
  Tensor dense = host_empty(DType::F32, {n, ld}), tiled = host_empty(DType::F32, {n, ld});
  REQUIRE_OK(cpu_attention(q, k, v, dense, spec, default_pool()));
  spec.per_head = {tile_pattern(4), tile_pattern(7)};
  REQUIRE_OK(cpu_attention(q, k, v, tiled, spec, default_pool()));
  CHECK_REL_L2(rel_l2(tiled, dense), 1e-6);
  // All frames inside one tile: every block is kept, yet the pattern is not dense.
  spec.tile[0] = 6;
  spec.per_head = {tile_pattern(1), tile_pattern(0)};
  REQUIRE_OK(cpu_attention(q, k, v, tiled, spec, default_pool()));
  CHECK(rel_l2(tiled, dense) > 1e-3);
  test::RefAttn ref;
  ref.heads = 2;
  ref.head_dim = 16;
  for (const auto& p : spec.per_head) ref.masks.push_back(test::reference_mask(spec.grid, spec.tile, p));
  CHECK_REL_L2(rel_l2(tiled, test::reference_attention(q, k, v, ref)), 1e-5);
}

TSR_TEST(attention, cross_attention_and_key_len) {
  test::Rng rng(15);
  for (int d : {64, 128, 7}) {
    int heads = 3;
    int64_t nq = 257, nk = 77, ld = int64_t(heads) * d;
    Tensor q = test::random_tensor(rng, {nq, ld}, 1.5f);
    Tensor k = test::random_tensor(rng, {nk, ld}, 1.5f);
    Tensor v = test::random_tensor(rng, {nk, ld});
    for (int key_len : {-1, 1, 40, 77}) {
      AttnSpec spec;
      spec.heads = heads;
      spec.head_dim = d;
      spec.key_len = key_len;
      GuardedOut out(nq, ld);
      REQUIRE_OK(cpu_attention(q, k, v, out.t, spec, default_pool()));
      CHECK(out.guard_intact());
      test::RefAttn ref;
      ref.heads = heads;
      ref.head_dim = d;
      ref.key_len = key_len;
      CHECK_REL_L2(rel_l2(out.t, test::reference_attention(q, k, v, ref)), 1e-5);
    }
  }
}

TSR_TEST(attention, t5_bucket_table_matches_spec) {
  // spec/wan21.md §6.2: 0..7 -> n; 8-11 -> 8; 12-15 -> 9; 16-22 -> 10; 23-31 -> 11; 32-45 -> 12;
  // 46-63 -> 13; 64-90 -> 14; >= 91 -> 15; +16 when the key is after the query.
  auto expect = [](int n) {
    if (n < 8) return n;
    const int upper[] = {11, 15, 22, 31, 45, 63, 90};
    for (int b = 0; b < 7; ++b)
      if (n <= upper[b]) return 8 + b;
    return 15;
  };
  for (int n = 0; n < 600; ++n) {
    CHECK(t5_relative_bucket(-n, 32, 128) == expect(n));
    if (n > 0) CHECK(t5_relative_bucket(n, 32, 128) == 16 + expect(n));
    CHECK(test::reference_t5_bucket(-n) == expect(n));
  }
}

TSR_TEST(attention, t5_bias_and_mask_match_reference) {
  test::Rng rng(16);
  for (int64_t s : {12, 200}) {
    int heads = 4, d = 16;
    int64_t ld = heads * d;
    Tensor q = test::random_tensor(rng, {s, ld});
    Tensor k = test::random_tensor(rng, {s, ld});
    Tensor v = test::random_tensor(rng, {s, ld});
    Tensor bias = test::random_tensor(rng, {32, heads}, 2.0f);
    int key_len = int(s * 3 / 4);
    AttnSpec spec;
    spec.heads = heads;
    spec.head_dim = d;
    spec.scale = 1.0f;
    spec.key_len = key_len;
    spec.rel_bias = &bias;
    GuardedOut out(s, ld);
    REQUIRE_OK(cpu_attention(q, k, v, out.t, spec, default_pool()));
    CHECK(out.guard_intact());
    test::RefAttn ref;
    ref.heads = heads;
    ref.head_dim = d;
    ref.scale = 1.0;
    ref.key_len = key_len;
    const float* b = bias.data_as<float>();
    ref.bias = [&](int h, int64_t i, int64_t j) {
      return double(b[test::reference_t5_bucket(int(j - i)) * heads + h]);
    };
    CHECK_REL_L2(rel_l2(out.t, test::reference_attention(q, k, v, ref)), 1e-5);
  }
}

TSR_TEST(attention, same_result_on_any_thread_count) {
  test::Rng rng(17);
  AttnSpec spec;
  spec.heads = 2;
  spec.head_dim = 40;
  spec.grid[0] = 6; spec.grid[1] = 9; spec.grid[2] = 10;
  spec.tile[0] = 3; spec.tile[1] = 4; spec.tile[2] = 4;
  spec.per_head = {sta(1, 2, 3), tile_pattern(1)};
  int64_t n = 540, ld = 80;
  Tensor q = test::random_tensor(rng, {n, ld});
  Tensor k = test::random_tensor(rng, {n, ld});
  Tensor v = test::random_tensor(rng, {n, ld});
  Tensor a = host_empty(DType::F32, {n, ld}), b = host_empty(DType::F32, {n, ld});
  ThreadPool one(1), three(3);
  REQUIRE_OK(cpu_attention(q, k, v, a, spec, one));
  REQUIRE_OK(cpu_attention(q, k, v, b, spec, three));
  CHECK(std::memcmp(a.data(), b.data(), a.nbytes()) == 0);
}

TSR_TEST(attention, rejects_bad_specs) {
  test::Rng rng(18);
  Tensor q = test::random_tensor(rng, {24, 8});
  Tensor k = test::random_tensor(rng, {24, 8});
  Tensor v = test::random_tensor(rng, {24, 8});
  Tensor out = host_empty(DType::F32, {24, 8});
  AttnSpec spec;
  spec.heads = 2;
  spec.head_dim = 4;
  spec.grid[0] = 2; spec.grid[1] = 3; spec.grid[2] = 4;
  spec.tile[0] = 1; spec.tile[1] = 2; spec.tile[2] = 2;
  CHECK_OK(cpu_attention(q, k, v, out, spec, default_pool()));

  AttnSpec bad = spec;
  bad.head_dim = 3;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::ShapeMismatch);
  bad = spec;
  bad.heads = 0;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
  Tensor wrong_out = host_empty(DType::F32, {23, 8});
  CHECK_CODE(cpu_attention(q, k, v, wrong_out, spec, default_pool()), Code::ShapeMismatch);
  Tensor short_v = test::random_tensor(rng, {20, 8});
  CHECK_CODE(cpu_attention(q, k, short_v, out, spec, default_pool()), Code::ShapeMismatch);
  CHECK_CODE(cpu_attention(Tensor(), k, v, out, spec, default_pool()), Code::InvalidArgument);
  Tensor q16 = host_empty(DType::BF16, {24, 8});
  CHECK_CODE(cpu_attention(q16, k, v, out, spec, default_pool()), Code::InvalidArgument);

  bad = spec;
  bad.per_head = {sta(1, 1, 1)};  // one pattern for two heads
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
  bad.per_head = {sta(1, 0, 1), HeadPattern{}};
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
  bad.per_head = {tile_pattern(-1), HeadPattern{}};
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
  bad.per_head = {sta(1, 1, 1), HeadPattern{}};
  bad.grid[2] = 5;  // 30 tokens != 24
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::ShapeMismatch);
  bad.grid[2] = 4;
  bad.tile[1] = 0;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
  bad.tile[1] = 2;
  bad.key_len = 10;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::Unsupported);

  bad = spec;
  bad.key_len = 0;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
  bad.key_len = 25;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
  bad = spec;
  Tensor wrong_bias = host_zeros(DType::F32, {32, 3});
  bad.rel_bias = &wrong_bias;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::ShapeMismatch);
  bad = spec;
  bad.scale = NAN;
  CHECK_CODE(cpu_attention(q, k, v, out, bad, default_pool()), Code::InvalidArgument);
}
