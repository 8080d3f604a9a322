// The sta_attn_* golden fixtures (FastVideo's STA mask, float64 softmax): every fixture in the
// golden folder is checked, found by its name prefix, with its own grid/tile/windows.
#include <cstdio>

#include "attention/cpu_attention.h"
#include "attention/patterns.h"
#include "core/json.h"
#include "fixture_reader.h"
#include "harness.h"
#include "reference.h"

using namespace tsr;

namespace {

// [heads, tokens, d] -> [tokens, heads*d]
Tensor heads_to_rows(const Tensor& t) {
  int64_t heads = t.dim(0), n = t.dim(1), d = t.dim(2);
  Tensor out = host_empty(DType::F32, {n, heads * d});
  const float* src = t.data_as<float>();
  float* dst = out.data_as<float>();
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t c = 0; c < d; ++c) dst[(i * heads + h) * d + c] = src[(h * n + i) * d + c];
  return out;
}

bool read_int3(const Json* j, int out[3]) {
  if (!j || !j->is_array() || j->items().size() != 3) return false;
  for (int a = 0; a < 3; ++a) out[a] = int(j->items()[size_t(a)].integer());
  return true;
}

}  // namespace

TSR_TEST(attention, golden_sta_fixtures) {
  std::string dir = test::golden_dir();
  REQUIRE(!dir.empty());
  auto files = test::find_fixtures(dir, "sta_attn_", ".io.safetensors");
  REQUIRE(files.size() >= 2);
  for (const auto& path : files) {
    auto fx = test::read_fixture(path);
    REQUIRE_OK(fx.status());
    auto cfg = Json::parse(fx->metadata["config"]);
    REQUIRE_OK(cfg.status());
    AttnSpec spec;
    REQUIRE(read_int3(cfg->find("grid"), spec.grid));
    REQUIRE(read_int3(cfg->find("tile"), spec.tile));
    spec.head_dim = int(cfg->get_int("head_dim", 0));
    const Json* windows = cfg->find("windows");
    REQUIRE(windows && windows->is_array());
    for (const auto& w : windows->items()) {
      HeadPattern p;
      p.kind = AttnPattern::Sta;
      REQUIRE(read_int3(&w, p.window));
      spec.per_head.push_back(p);
    }
    spec.heads = int(spec.per_head.size());
    for (const char* name : {"q", "k", "v", "out"}) {
      REQUIRE(fx->tensors.count(name));
      REQUIRE(fx->tensors[name].shape() ==
              (Shape{spec.heads, int64_t(spec.grid[0]) * spec.grid[1] * spec.grid[2], spec.head_dim}));
    }
    Tensor q = heads_to_rows(fx->tensors["q"]), k = heads_to_rows(fx->tensors["k"]),
           v = heads_to_rows(fx->tensors["v"]), expect = heads_to_rows(fx->tensors["out"]);
    Tensor out = host_empty(DType::F32, q.shape());
    REQUIRE_OK(cpu_attention(q, k, v, out, spec, default_pool()));
    double err = rel_l2(out, expect);
    std::printf("    %s: relative L2 %.3g\n", path.substr(path.rfind('/') + 1).c_str(), err);
    CHECK_REL_L2(err, 1e-5);

    // The brute-force test reference reads the same rule from the spec.
    test::RefAttn ref;
    ref.heads = spec.heads;
    ref.head_dim = spec.head_dim;
    for (const auto& p : spec.per_head) ref.masks.push_back(test::reference_mask(spec.grid, spec.tile, p));
    CHECK_REL_L2(rel_l2(test::reference_attention(q, k, v, ref), expect), 1e-6);

    // Kept fraction of blocks per head, as recorded by the fixture generator.
    const Json* kept = cfg->find("kept_fraction");
    REQUIRE(kept && kept->is_array() && int(kept->items().size()) == spec.heads);
    TileLayout layout(spec.grid, spec.tile);
    for (int h = 0; h < spec.heads; ++h) {
      PatternStats s = pattern_stats(layout, spec.per_head[size_t(h)]);
      CHECK_NEAR(1.0 - s.sparsity, kept->items()[size_t(h)].number(), 1e-6);
    }
  }
}
