// Wan DiT against the golden fixtures (wan_dit_*), sparse plans, the observer and load errors.
#include <cstdio>
#include <cstring>

#include "harness.h"
#include "models/dit.h"
#include "models/model_fixtures.h"

namespace tsr {
namespace {

struct DitCase {
  test::GoldenFixture fixture;
  DitConfig cfg;
  Tensor x, context, out;
  double t = 0;
};

std::vector<DitCase> dit_cases() {
  std::vector<DitCase> cases;
  for (auto& f : test::golden_fixtures("wan_dit_")) {
    DitCase c;
    auto cfg = DitConfig::from_json(f.config);
    if (!cfg.ok()) {
      test::fail(__FILE__, __LINE__, f.name + ": " + cfg.status().to_string());
      continue;
    }
    c.cfg = cfg.value();
    c.x = test::load_f32(*f.io, "x");
    c.context = test::load_f32(*f.io, "context");
    c.out = test::load_f32(*f.io, "out");
    Tensor t = test::load_f32(*f.io, "t");
    if (!c.x.defined() || !c.context.defined() || !c.out.defined() || !t.defined()) {
      test::fail(__FILE__, __LINE__, f.name + ": fixture lacks x/context/t/out");
      continue;
    }
    c.t = t.data_as<float>()[0];
    c.fixture = std::move(f);
    cases.push_back(std::move(c));
  }
  return cases;
}

StatusOr<Tensor> run_dit(const WanDit& dit, const DitCase& c, const AttnPlan* plan = nullptr,
                         SelfAttentionObserver* observer = nullptr) {
  TSR_ASSIGN_OR_RETURN(DitTextCache text, dit.prepare_text(c.context));
  return dit.forward(c.x, c.t, text, plan, observer);
}

StatusOr<std::unique_ptr<WanDit>> load_dit(const std::string& path, const DitConfig& cfg,
                                           Backend& be) {
  TSR_ASSIGN_OR_RETURN(auto store, WeightStore::open(path));
  return WanDit::load(*store, cfg, be);
}

TSR_TEST(models_dit, golden_fixtures_all_weight_variants) {
  auto cases = dit_cases();
  REQUIRE(cases.size() >= 2);  // wan_dit_tiny and wan_dit_tiny_b
  auto be = make_cpu_backend();
  for (const DitCase& c : cases) {
    REQUIRE(!c.fixture.weights.empty());
    for (const auto& variant : c.fixture.weights) {
      auto dit = load_dit(variant.path, c.cfg, *be);
      REQUIRE_OK(dit.status());
      auto out = run_dit(*dit.value(), c);
      REQUIRE_OK(out.status());
      REQUIRE(out->shape() == c.out.shape());
      double err = rel_l2(out.value(), c.out);
      std::printf("    %s (%s): relative L2 %.3g\n", c.fixture.name.c_str(), variant.label.c_str(), err);
      CHECK_REL_L2(err, variant.bf16 ? 2e-2 : 2e-5);
    }
  }
}

// An STA plan whose windows cover the whole grid is dense attention.
class CountingObserver : public SelfAttentionObserver {
 public:
  std::vector<int> layers;
  std::vector<Shape> q_shapes;
  void on_self_attention(Backend& be, int layer, const Tensor& q, const Tensor& k, const Tensor& v,
                         const AttnSpec& spec, const Tensor& out) override {
    layers.push_back(layer);
    q_shapes.push_back(q.shape());
    CHECK(k.shape() == q.shape() && v.shape() == q.shape() && out.shape() == q.shape());
    CHECK(spec.heads * spec.head_dim == q.dim(1));
  }
};

AttnPlan sta_plan(const DitConfig& cfg, const int tile[3], const int window[3]) {
  AttnPlan plan;
  for (int a = 0; a < 3; ++a) plan.tile[a] = tile[a];
  HeadPattern p;
  p.kind = AttnPattern::Sta;
  for (int a = 0; a < 3; ++a) p.window[a] = window[a];
  plan.layers.assign(size_t(cfg.num_layers), std::vector<HeadPattern>(size_t(cfg.num_heads), p));
  return plan;
}

TSR_TEST(models_dit, covering_sta_plan_equals_dense_and_observer_sees_every_layer) {
  auto cases = dit_cases();
  REQUIRE(!cases.empty());
  auto be = make_cpu_backend();
  for (const DitCase& c : cases) {
    auto dit = load_dit(c.fixture.weights[0].path, c.cfg, *be);
    REQUIRE_OK(dit.status());
    auto dense = run_dit(*dit.value(), c);
    REQUIRE_OK(dense.status());
    const Tensor& x = c.x;
    const int grid[3] = {int(x.dim(1)) / c.cfg.patch[0], int(x.dim(2)) / c.cfg.patch[1],
                         int(x.dim(3)) / c.cfg.patch[2]};
    // Tiles of 1x2x2 tokens; windows as large as the tile grid on every axis.
    const int tile[3] = {1, 2, 2};
    const int cover[3] = {grid[0], (grid[1] + 1) / 2, (grid[2] + 1) / 2};
    AttnPlan plan = sta_plan(c.cfg, tile, cover);
    CountingObserver observer;
    auto sparse = run_dit(*dit.value(), c, &plan, &observer);
    REQUIRE_OK(sparse.status());
    double err = rel_l2(sparse.value(), dense.value());
    std::printf("    %s: covering STA vs dense %.3g\n", c.fixture.name.c_str(), err);
    CHECK_REL_L2(err, 1e-6);
    REQUIRE(int(observer.layers.size()) == c.cfg.num_layers);
    for (int i = 0; i < c.cfg.num_layers; ++i) {
      CHECK(observer.layers[size_t(i)] == i);
      CHECK(observer.q_shapes[size_t(i)] == Shape({int64_t(grid[0]) * grid[1] * grid[2], c.cfg.dim}));
    }
    // A small window must change the result: the plan really reaches the attention.
    const int small[3] = {1, 1, 1};
    AttnPlan local = sta_plan(c.cfg, tile, small);
    auto windowed = run_dit(*dit.value(), c, &local);
    REQUIRE_OK(windowed.status());
    CHECK(rel_l2(windowed.value(), dense.value()) > 1e-3);
  }
}

TSR_TEST(models_dit, text_padding_is_attended) {
  // The same context given with explicit zero rows up to text_len gives the same output:
  // padding happens inside prepare_text, and the padded rows are not masked.
  auto cases = dit_cases();
  REQUIRE(!cases.empty());
  auto be = make_cpu_backend();
  for (const DitCase& c : cases) {
    if (c.context.dim(0) == c.cfg.text_len) continue;
    auto dit = load_dit(c.fixture.weights[0].path, c.cfg, *be);
    REQUIRE_OK(dit.status());
    Tensor padded = host_zeros(DType::F32, {c.cfg.text_len, c.cfg.text_dim});
    std::memcpy(padded.data(), c.context.data(), c.context.nbytes());
    auto text = dit.value()->prepare_text(padded);
    REQUIRE_OK(text.status());
    auto out = dit.value()->forward(c.x, c.t, text.value());
    REQUIRE_OK(out.status());
    CHECK_REL_L2(rel_l2(out.value(), c.out), 2e-5);
  }
}

TSR_TEST(models_dit, bad_inputs_are_errors) {
  auto cases = dit_cases();
  REQUIRE(!cases.empty());
  const DitCase& c = cases[0];
  auto be = make_cpu_backend();
  auto dit = load_dit(c.fixture.weights[0].path, c.cfg, *be);
  REQUIRE_OK(dit.status());
  const WanDit& m = *dit.value();
  // Context too long, wrong width.
  CHECK_CODE(m.prepare_text(host_zeros(DType::F32, {c.cfg.text_len + 1, c.cfg.text_dim})).status(),
             Code::InvalidArgument);
  CHECK_CODE(m.prepare_text(host_zeros(DType::F32, {3, c.cfg.text_dim + 1})).status(),
             Code::ShapeMismatch);
  auto text = m.prepare_text(c.context);
  REQUIRE_OK(text.status());
  // Odd latent height (patch 2), wrong channel count, a plan of the wrong size.
  CHECK_CODE(m.forward(host_zeros(DType::F32, {c.cfg.in_dim, 1, 5, 4}), 10, text.value()).status(),
             Code::InvalidSize);
  CHECK_CODE(m.forward(host_zeros(DType::F32, {c.cfg.in_dim + 1, 1, 4, 4}), 10, text.value()).status(),
             Code::ShapeMismatch);
  AttnPlan bad;
  bad.layers.resize(size_t(c.cfg.num_layers) + 1);
  CHECK_CODE(m.forward(c.x, c.t, text.value(), &bad).status(), Code::InvalidArgument);
  DitTextCache empty;
  CHECK_CODE(m.forward(c.x, c.t, empty).status(), Code::InvalidArgument);
  // The model still works afterwards.
  auto out = m.forward(c.x, c.t, text.value());
  REQUIRE_OK(out.status());
  CHECK_REL_L2(rel_l2(out.value(), c.out), 2e-5);
}

TSR_TEST(models_dit, load_errors_name_the_problem) {
  auto cases = dit_cases();
  REQUIRE(!cases.empty());
  const DitCase& c = cases[0];
  auto be = make_cpu_backend();
  auto store = WeightStore::open(c.fixture.weights[0].path);
  REQUIRE_OK(store.status());
  {
    test::AlteredStore s(store.value());
    s.drop("blocks.1.cross_attn.norm_k.weight");
    CHECK_CODE(WanDit::load(s, c.cfg, *be).status(), Code::MissingKey);
  }
  {
    test::AlteredStore s(store.value());
    s.add("blocks.0.extra.weight", host_zeros(DType::F32, {4}));
    CHECK_CODE(WanDit::load(s, c.cfg, *be).status(), Code::UnexpectedKey);
  }
  {
    test::AlteredStore s(store.value());
    s.reshape("blocks.0.ffn.0.weight", {c.cfg.ffn_dim + 1, c.cfg.dim});
    CHECK_CODE(WanDit::load(s, c.cfg, *be).status(), Code::ShapeMismatch);
  }
  {
    // A config that disagrees with the checkpoint (more layers than stored).
    DitConfig more = c.cfg;
    more.num_layers += 1;
    CHECK_CODE(WanDit::load(*store.value(), more, *be).status(), Code::MissingKey);
    DitConfig odd = c.cfg;
    odd.num_heads = c.cfg.dim;  // head_dim 1
    CHECK_CODE(WanDit::load(*store.value(), odd, *be).status(), Code::InvalidArgument);
  }
  be->clear_error();
  auto ok = WanDit::load(*store.value(), c.cfg, *be);
  CHECK_OK(ok.status());
}

}  // namespace
}  // namespace tsr

namespace tsr {
namespace {

// bf16 checkpoints (no DiT fixture ships one): the weights convert on upload and give the
// same velocity as the float32 weights rounded to bf16, close to the float32 reference.
TSR_TEST(models_dit, bf16_checkpoint_matches_rounded_float32) {
  auto cases = dit_cases();
  REQUIRE(!cases.empty());
  auto be = make_cpu_backend();
  for (const DitCase& c : cases) {
    auto store = WeightStore::open(c.fixture.weights[0].path);
    REQUIRE_OK(store.status());
    test::AlteredStore half(store.value()), rounded(store.value());
    for (const std::string& key : store.value()->keys()) {
      Tensor w = test::load_f32(*store.value(), key);
      Tensor h = host_empty(DType::BF16, w.shape());
      convert_from_f32(w.data_as<float>(), h.data(), DType::BF16, size_t(w.numel()));
      convert_to_f32(h.data(), DType::BF16, w.data_as<float>(), size_t(w.numel()));
      half.add(key, h);
      rounded.add(key, w);
    }
    auto a = WanDit::load(half, c.cfg, *be);
    auto b = WanDit::load(rounded, c.cfg, *be);
    REQUIRE_OK(a.status());
    REQUIRE_OK(b.status());
    auto va = run_dit(*a.value(), c);
    auto vb = run_dit(*b.value(), c);
    REQUIRE_OK(va.status());
    REQUIRE_OK(vb.status());
    CHECK_REL_L2(rel_l2(va.value(), vb.value()), 1e-7);
    double err = rel_l2(va.value(), c.out);
    std::printf("    %s with bf16 weights: relative L2 %.3g\n", c.fixture.name.c_str(), err);
    CHECK_REL_L2(err, 2e-2);
  }
}

}  // namespace
}  // namespace tsr
