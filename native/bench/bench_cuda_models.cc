// Whole-model GPU benchmarks with random weights of the real configs: the Wan2.1-1.3B DiT
// forward at 81x480x832 (dense, and STA with 3x3x3-tile windows keeping about a quarter of the
// tile pairs), the Wan-VAE decode of the same clip, and the umT5-XXL encode of 512 tokens.
// Peak device memory of each (the pool's high-water mark) is the case's note. The PyTorch
// peers (the same architectures, eager) run from bench/peers/model_peers.py --tessera.
#ifdef TSR_WITH_CUDA
#include <cstdio>
#include <string>
#include <vector>

#include "backend/cuda/cuda_backend.h"
#include "bench.h"
#include "models/dit.h"
#include "models/t5.h"
#include "models/vae.h"
#include "random_model.h"

using namespace tsr;
using tsr::bench::Work;
using namespace tsr::bench;

namespace {

std::string gib(uint64_t bytes) {
  char b[64];
  std::snprintf(b, sizeof b, "peak %.2f GiB", bytes / 1073741824.0);
  return b;
}

// 2·params·tokens for the linear layers plus 4·N²·d·heads·kept for self-attention and the
// cross-attention over text_len keys.
double dit_flops(const DitConfig& c, int64_t tokens, double kept_fraction) {
  double D = c.dim, F = c.ffn_dim, L = c.num_layers;
  double linear = 2.0 * tokens * L * (4 * D * D + D * D * 2 + 2 * D * F);  // self qkvo, cross q+o, ffn
  double attn = L * (4.0 * tokens * tokens * D * kept_fraction + 4.0 * tokens * c.text_len * D);
  return linear + attn;
}

}  // namespace

TSR_BENCH(cuda_models) {
  CudaProbe probe = cuda_probe(0);
  if (!probe.usable) {
    b.skip("all", probe.reason);
    return;
  }
  // One backend per model, so TESSERA_PROFILE=1 reports each model's ops separately.
  auto fresh_backend = [&](std::unique_ptr<Backend>& out) {
    auto be_or = make_cuda_backend(0, CudaPath::Auto);
    if (!be_or.ok()) {
      b.skip("backend", be_or.status().to_string());
      return false;
    }
    out = std::move(*be_or);
    return true;
  };
  std::unique_ptr<Backend> holder;

  if ((b.wants("dit 1.3B 81x480x832 dense") || b.wants("dit 1.3B 81x480x832 sta")) && fresh_backend(holder)) {
    Backend& be = *holder;
    auto sync = [&] { be.synchronize(); };
    DitConfig cfg;  // Wan2.1-T2V-1.3B defaults
    auto store = random_dit_weights(cfg, 1);
    auto dit = WanDit::load(*store, cfg, be);
    if (!dit.ok()) {
      b.skip("dit", dit.status().to_string());
    } else {
      Tensor x = random_host({16, 21, 60, 104}, 2, 1.73f), ctx = random_host({24, cfg.text_dim}, 3, 1.73f);
      auto text = (*dit)->prepare_text(ctx);
      const int64_t tokens = 21 * 30 * 52;
      AttnPlan sta;
      sta.layers.assign(cfg.num_layers, std::vector<HeadPattern>(cfg.num_heads));
      for (auto& layer : sta.layers)
        for (auto& h : layer) { h.kind = AttnPattern::Sta; h.window[0] = h.window[1] = h.window[2] = 3; }
      // Kept tile pairs of 3x3x3 on 4x4x7 tiles: (3/4)·(3/4)·(3/7).
      const double kept = 0.75 * 0.75 * 3.0 / 7.0;
      for (int mode = 0; mode < 2; ++mode) {
        std::string name = mode == 0 ? "dit 1.3B 81x480x832 dense" : "dit 1.3B 81x480x832 sta 3x3x3";
        if (!b.wants(name) || !text.ok()) continue;
        be.reset_peak();
        Status st;
        b.run(name, {dit_flops(cfg, tokens, mode == 0 ? 1.0 : kept), 0}, [&] {
          auto v = (*dit)->forward(x, 500.0, *text, mode == 0 ? nullptr : &sta);
          if (!v.ok()) st = v.status();
        }, sync);
        if (!st.ok()) b.skip(name + " (error)", st.to_string());
        else b.note(gib(be.memory().peak));
      }
    }
  }

  holder.reset();
  if (b.wants("vae decode 81x480x832") && fresh_backend(holder)) {
    Backend& be = *holder;
    auto sync = [&] { be.synchronize(); };
    VaeConfig cfg;
    auto store = random_vae_decoder_weights(cfg, 4);
    auto vae = WanVae::load(*store, cfg, be, /*decoder_only=*/true);
    if (!vae.ok()) {
      b.skip("vae decode 81x480x832", vae.status().to_string());
    } else {
      Tensor z = random_host({16, 21, 60, 104}, 5, 1.73f);
      be.reset_peak();
      Status st;
      b.run("vae decode 81x480x832", {0, 0}, [&] {
        auto v = (*vae)->decode(z, kWanLatentMean, kWanLatentStd);
        if (!v.ok()) st = v.status();
      }, sync);
      if (!st.ok()) b.skip("vae decode (error)", st.to_string());
      else b.note(gib(be.memory().peak));
    }
  }

  holder.reset();
  const char* kT5Resident = "umt5-xxl encode 512 resident";
  const char* kT5Streamed = "umt5-xxl encode 512 streamed";
  if ((b.wants(kT5Resident) || b.wants(kT5Streamed)) && fresh_backend(holder)) {
    Backend& be = *holder;
    auto sync = [&] { be.synchronize(); };
    T5Config cfg;
    auto store = random_t5_weights(cfg, 6);
    std::vector<int32_t> ids(512);
    for (int i = 0; i < 512; ++i) ids[i] = 100 + (i * 7919) % 200000;
    const double flops = 2.0 * 512 * cfg.num_layers * (4.0 * cfg.dim * cfg.dim_attn + 3.0 * cfg.dim * cfg.dim_ffn);
    // Resident: every layer on the device (the encoder kept between generations). Streamed:
    // host weights uploaded one layer at a time (what a generation does when the encoder is
    // not kept), so peak device memory is one layer plus activations.
    for (T5Residency mode : {T5Residency::Resident, T5Residency::Streamed}) {
      const char* name = mode == T5Residency::Resident ? kT5Resident : kT5Streamed;
      if (!b.wants(name)) continue;
      be.reset_peak();
      auto t5 = UmT5Encoder::load(*store, cfg, be, mode);
      Status st = t5.status();
      if (st.ok())
        b.run(name, {flops, 0}, [&] {
          auto o = (*t5)->encode(ids, 512);
          if (!o.ok()) st = o.status();
        }, sync);
      if (!st.ok()) b.skip(std::string(name) + " (error)", st.to_string());
      else b.note(gib(be.memory().peak));
    }
  }
}
#endif
