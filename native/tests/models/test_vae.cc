// Wan-VAE against the golden fixtures (wan_vae_*): decode and encode, chunked vs one pass,
// cancellation, decoder-only loading, load errors.
#include <cstdio>
#include <cstring>

#include "harness.h"
#include "models/model_fixtures.h"
#include "models/vae.h"

namespace tsr {
namespace {

struct VaeCase {
  test::GoldenFixture fixture;
  VaeConfig cfg;
  Tensor z, mean, std, video, pixels, latent_mu;
};

std::vector<VaeCase> vae_cases() {
  std::vector<VaeCase> cases;
  for (auto& f : test::golden_fixtures("wan_vae_")) {
    VaeCase c;
    auto cfg = VaeConfig::from_json(f.config);
    if (!cfg.ok()) {
      test::fail(__FILE__, __LINE__, f.name + ": " + cfg.status().to_string());
      continue;
    }
    c.cfg = cfg.value();
    c.z = test::load_f32(*f.io, "z");
    c.mean = test::load_f32(*f.io, "mean");
    c.std = test::load_f32(*f.io, "std");
    c.video = test::load_f32(*f.io, "video");
    c.pixels = test::load_f32(*f.io, "pixels");
    c.latent_mu = test::load_f32(*f.io, "latent_mu");
    if (!c.z.defined() || !c.mean.defined() || !c.std.defined() || !c.video.defined()) {
      test::fail(__FILE__, __LINE__, f.name + ": fixture lacks z/mean/std/video");
      continue;
    }
    c.fixture = std::move(f);
    cases.push_back(std::move(c));
  }
  return cases;
}

StatusOr<std::unique_ptr<WanVae>> load_vae(const std::string& path, const VaeConfig& cfg,
                                           Backend& be, bool decoder_only = false) {
  TSR_ASSIGN_OR_RETURN(auto store, WeightStore::open(path));
  return WanVae::load(*store, cfg, be, decoder_only);
}

TSR_TEST(models_vae, latent_statistics_are_wan21s) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  for (const VaeCase& c : cases) {
    REQUIRE(c.mean.numel() == 16 && c.std.numel() == 16);
    CHECK(std::memcmp(c.mean.data(), kWanLatentMean, sizeof kWanLatentMean) == 0);
    CHECK(std::memcmp(c.std.data(), kWanLatentStd, sizeof kWanLatentStd) == 0);
  }
}

TSR_TEST(models_vae, golden_decode_all_weight_variants) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  auto be = make_cpu_backend();
  for (const VaeCase& c : cases) {
    REQUIRE(!c.fixture.weights.empty());
    for (const auto& variant : c.fixture.weights) {
      auto vae = load_vae(variant.path, c.cfg, *be, /*decoder_only=*/true);
      REQUIRE_OK(vae.status());
      std::vector<std::pair<int, int>> calls;
      auto video = vae.value()->decode(c.z, c.mean.data_as<float>(), c.std.data_as<float>(),
                                       [&](int i, int n) {
                                         calls.emplace_back(i, n);
                                         return true;
                                       });
      REQUIRE_OK(video.status());
      REQUIRE(video->shape() == c.video.shape());
      double err = rel_l2(video.value(), c.video);
      std::printf("    %s decode (%s): relative L2 %.3g\n", c.fixture.name.c_str(),
                  variant.label.c_str(), err);
      CHECK_REL_L2(err, variant.bf16 ? 2e-2 : 2e-5);
      // One callback per latent frame, in order, before it is decoded.
      const int T = int(c.z.dim(1));
      REQUIRE(int(calls.size()) == T);
      for (int i = 0; i < T; ++i) CHECK(calls[size_t(i)] == std::make_pair(i, T));
    }
  }
}

TSR_TEST(models_vae, chunked_decode_equals_one_pass) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  auto be = make_cpu_backend();
  for (const VaeCase& c : cases) {
    auto vae = load_vae(c.fixture.weights[0].path, c.cfg, *be, true);
    REQUIRE_OK(vae.status());
    const float *mean = c.mean.data_as<float>(), *std = c.std.data_as<float>();
    auto chunked = vae.value()->decode(c.z, mean, std, nullptr, 1);
    auto whole = vae.value()->decode(c.z, mean, std, nullptr, 0);
    auto pairs = vae.value()->decode(c.z, mean, std, nullptr, 2);
    REQUIRE_OK(chunked.status());
    REQUIRE_OK(whole.status());
    REQUIRE_OK(pairs.status());
    double e_whole = rel_l2(whole.value(), chunked.value());
    double e_pairs = rel_l2(pairs.value(), chunked.value());
    std::printf("    %s: one pass vs per-frame %.3g, 2-frame chunks %.3g\n", c.fixture.name.c_str(),
                e_whole, e_pairs);
    // Same arithmetic in another order (float32 rounding only, ~1e-6 through ~40 convs); a
    // wrong cache or resample state gives errors of order 1e-2 and more.
    CHECK_REL_L2(e_whole, 5e-6);
    CHECK_REL_L2(e_pairs, 5e-6);
    // Null statistics mean Wan2.1's, which these fixtures use.
    auto defaults = vae.value()->decode(c.z, nullptr, nullptr);
    REQUIRE_OK(defaults.status());
    CHECK_REL_L2(rel_l2(defaults.value(), chunked.value()), 0.0);
  }
}

TSR_TEST(models_vae, decode_cancels_from_the_chunk_callback) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  const VaeCase& c = cases[0];
  auto be = make_cpu_backend();
  auto vae = load_vae(c.fixture.weights[0].path, c.cfg, *be, true);
  REQUIRE_OK(vae.status());
  int calls = 0;
  auto out = vae.value()->decode(c.z, nullptr, nullptr, [&](int i, int) {
    ++calls;
    return i < 1;
  });
  CHECK_CODE(out.status(), Code::Cancelled);
  CHECK(calls == 2);
  // Decoder-only models refuse to encode; bad shapes are errors, not crashes.
  CHECK_CODE(vae.value()->encode(host_zeros(DType::F32, {3, 1, 8, 8}), nullptr, nullptr).status(),
             Code::Unsupported);
  CHECK_CODE(vae.value()->decode(host_zeros(DType::F32, {c.cfg.z_dim + 1, 1, 2, 2}), nullptr, nullptr)
                 .status(),
             Code::ShapeMismatch);
  CHECK_CODE(vae.value()->decode(host_zeros(DType::F32, {c.cfg.z_dim, 0, 2, 2}), nullptr, nullptr)
                 .status(),
             Code::InvalidSize);
}

TSR_TEST(models_vae, golden_encode_and_chunking) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  auto be = make_cpu_backend();
  int encoded = 0;
  for (const VaeCase& c : cases) {
    if (!c.pixels.defined() || !c.latent_mu.defined()) continue;
    for (const auto& variant : c.fixture.weights) {
      auto vae = load_vae(variant.path, c.cfg, *be);
      REQUIRE_OK(vae.status());
      const float *mean = c.mean.data_as<float>(), *std = c.std.data_as<float>();
      auto mu = vae.value()->encode(c.pixels, mean, std);
      REQUIRE_OK(mu.status());
      REQUIRE(mu->shape() == c.latent_mu.shape());
      double err = rel_l2(mu.value(), c.latent_mu);
      std::printf("    %s encode (%s): relative L2 %.3g\n", c.fixture.name.c_str(),
                  variant.label.c_str(), err);
      CHECK_REL_L2(err, variant.bf16 ? 2e-2 : 2e-5);
      auto whole = vae.value()->encode(c.pixels, mean, std, 0);
      REQUIRE_OK(whole.status());
      CHECK_REL_L2(rel_l2(whole.value(), mu.value()), 5e-6);
      ++encoded;
    }
    auto vae = load_vae(c.fixture.weights[0].path, c.cfg, *be);
    REQUIRE_OK(vae.status());
    // Frames must be 1 + 4k and sides multiples of 8.
    CHECK_CODE(vae.value()->encode(host_zeros(DType::F32, {3, 4, 16, 16}), nullptr, nullptr).status(),
               Code::InvalidSize);
    CHECK_CODE(vae.value()->encode(host_zeros(DType::F32, {3, 5, 12, 16}), nullptr, nullptr).status(),
               Code::InvalidSize);
  }
  CHECK(encoded >= 1);
}

TSR_TEST(models_vae, load_errors_name_the_problem) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  const VaeCase& c = cases[0];
  auto be = make_cpu_backend();
  auto store = WeightStore::open(c.fixture.weights[0].path);
  REQUIRE_OK(store.status());
  {
    test::AlteredStore s(store.value());
    s.drop("decoder.upsamples.3.time_conv.weight");
    CHECK_CODE(WanVae::load(s, c.cfg, *be, true).status(), Code::MissingKey);
  }
  {
    test::AlteredStore s(store.value());
    s.drop("encoder.middle.1.proj.bias");
    CHECK_CODE(WanVae::load(s, c.cfg, *be).status(), Code::MissingKey);
    be->clear_error();
    CHECK_OK(WanVae::load(s, c.cfg, *be, true).status());  // the decoder alone is complete
  }
  {
    test::AlteredStore s(store.value());
    s.add("decoder.head.3.weight", host_zeros(DType::F32, {3}));
    CHECK_CODE(WanVae::load(s, c.cfg, *be, true).status(), Code::UnexpectedKey);
  }
  {
    test::AlteredStore s(store.value());
    const int64_t C = int64_t(c.cfg.dim) * c.cfg.dim_mult[3];
    s.reshape("decoder.middle.1.to_qkv.weight", {3 * C, C, 1, 2});
    CHECK_CODE(WanVae::load(s, c.cfg, *be, true).status(), Code::ShapeMismatch);
  }
  {
    VaeConfig wider = c.cfg;
    wider.dim *= 2;
    CHECK_CODE(WanVae::load(*store.value(), wider, *be).status(), Code::ShapeMismatch);
  }
  be->clear_error();
  CHECK_OK(WanVae::load(*store.value(), c.cfg, *be).status());
}

}  // namespace
}  // namespace tsr

namespace tsr {
namespace {

// Decoding latent frame by frame keeps the backend's peak memory independent of the number
// of frames (one chunk's activations plus the 2-frame caches); a one-pass decode does not.
TSR_TEST(models_vae, chunked_decode_memory_does_not_grow_with_frames) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  const VaeCase& c = cases[0];
  auto be = make_cpu_backend();
  auto vae = load_vae(c.fixture.weights[0].path, c.cfg, *be, true);
  REQUIRE_OK(vae.status());
  test::Rng rng(11);
  auto peak_for = [&](int frames, int per_chunk) -> uint64_t {
    Tensor z = test::random_tensor(rng, {c.cfg.z_dim, frames, 4, 6});
    be->reset_peak();
    const uint64_t base = be->memory().in_use;
    auto video = vae.value()->decode(z, nullptr, nullptr, nullptr, per_chunk);
    if (!video.ok()) test::fail(__FILE__, __LINE__, video.status().to_string());
    return be->memory().peak - base;
  };
  const uint64_t short_clip = peak_for(3, 1), long_clip = peak_for(9, 1);
  const uint64_t one_pass = peak_for(9, 0);
  std::printf("    peak activation bytes: 3 frames %llu, 9 frames %llu, 9 frames in one pass %llu\n",
              (unsigned long long)short_clip, (unsigned long long)long_clip,
              (unsigned long long)one_pass);
  REQUIRE(short_clip > 0);
  CHECK(double(long_clip) <= 1.05 * double(short_clip));
  CHECK(double(one_pass) > 2.0 * double(long_clip));
}

// bf16 checkpoints (no VAE fixture ships one): the weights convert on upload and give the
// same video as the float32 weights rounded to bf16.
TSR_TEST(models_vae, bf16_checkpoint_matches_rounded_float32) {
  auto cases = vae_cases();
  REQUIRE(!cases.empty());
  const VaeCase& c = cases[0];
  auto be = make_cpu_backend();
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
  auto a = WanVae::load(half, c.cfg, *be, true);
  auto b = WanVae::load(rounded, c.cfg, *be, true);
  REQUIRE_OK(a.status());
  REQUIRE_OK(b.status());
  auto va = a.value()->decode(c.z, nullptr, nullptr);
  auto vb = b.value()->decode(c.z, nullptr, nullptr);
  REQUIRE_OK(va.status());
  REQUIRE_OK(vb.status());
  CHECK_REL_L2(rel_l2(va.value(), vb.value()), 1e-7);
  double err = rel_l2(va.value(), c.video);
  std::printf("    %s decode with bf16 weights: relative L2 %.3g\n", c.fixture.name.c_str(), err);
  CHECK_REL_L2(err, 2e-2);
}

}  // namespace
}  // namespace tsr
