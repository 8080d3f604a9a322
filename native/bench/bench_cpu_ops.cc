// CPU backend benchmarks: the GEMM shapes of the Wan2.1 1.3B DiT at small token counts, the
// VAE decoder's convolutions at reduced resolution, the memory-bound ops, dense attention.
#include <cmath>
#include <memory>
#include <string>

#include "backend/backend.h"
#include "backend/cpu/gemm.h"
#include "bench.h"
#include "random_model.h"

using namespace tsr;
using tsr::bench::Work;
using tsr::bench::random_host;

namespace {

std::string dims(int64_t m, int64_t n, int64_t k) {
  return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
}

}  // namespace

// Raw GEMM throughput per micro-kernel on a square problem.
TSR_BENCH(cpu_gemm_isa) {
  auto be = make_cpu_backend();
  const int64_t n = 1024;
  Tensor x = be->from_host(random_host({n, n}, 1)), w = be->upload(random_host({n, n}, 2), WeightKind::Matrix);
  const cpu::Isa saved = cpu::gemm_isa();
  for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512}) {
    const std::string name = std::string("square ") + dims(n, n, n) + " " + cpu::isa_name(isa);
    if (!cpu::set_gemm_isa(isa)) {
      b.skip(name, "not supported by this CPU");
      continue;
    }
    b.run(name, {2.0 * n * n * n, 0}, [&] { be->linear(x, w, nullptr, Act::None); });
  }
  cpu::set_gemm_isa(saved);
}

// The DiT's linear layers (Wan2.1 1.3B: dim 1536, ffn 8960, text 4096, 6·dim modulation).
TSR_BENCH(cpu_gemm_wan13b) {
  auto be = make_cpu_backend();
  const int64_t D = 1536, F = 8960, TXT = 4096;
  for (int64_t M : {256, 1560}) {
    Tensor x = be->from_host(random_host({M, D}, 3));
    Tensor h = be->from_host(random_host({M, F}, 4));
    Tensor res = be->from_host(random_host({M, D}, 5));
    Tensor w_dd = be->upload(random_host({D, D}, 6, 0.03f), WeightKind::Matrix);
    Tensor w_fd = be->upload(random_host({F, D}, 7, 0.03f), WeightKind::Matrix);
    Tensor w_df = be->upload(random_host({D, F}, 8, 0.01f), WeightKind::Matrix);
    Tensor bias_d = be->upload(random_host({D}, 9), WeightKind::Vector);
    Tensor bias_f = be->upload(random_host({F}, 10), WeightKind::Vector);
    Tensor gate = be->upload(random_host({D}, 11), WeightKind::Vector);
    const std::string tag = " M=" + std::to_string(M);
    b.run("q/k/v/o " + dims(M, D, D) + tag, {2.0 * M * D * D, 0}, [&] { be->linear(x, w_dd, &bias_d, Act::None); });
    b.run("ffn.0+gelu " + dims(M, F, D) + tag, {2.0 * M * F * D, 0},
          [&] { be->linear(x, w_fd, &bias_f, Act::GeluTanh); });
    b.run("ffn.2+gated residual " + dims(M, D, F) + tag, {2.0 * M * D * F, 0},
          [&] { be->linear_residual_(res, h, w_df, &bias_d, &gate); });
  }
  Tensor ctx = be->from_host(random_host({512, TXT}, 12));
  Tensor w_td = be->upload(random_host({D, TXT}, 13, 0.02f), WeightKind::Matrix);
  b.run("text_embedding.0 " + dims(512, D, TXT), {2.0 * 512 * D * TXT, 0},
        [&] { be->linear(ctx, w_td, nullptr, Act::GeluTanh); });
  Tensor e = be->from_host(random_host({1, D}, 14));
  Tensor w_proj = be->upload(random_host({6 * D, D}, 15, 0.03f), WeightKind::Matrix);
  b.run("time_projection " + dims(1, 6 * D, D), {2.0 * 6 * D * D, 4.0 * 6 * D * D},
        [&] { be->linear(e, w_proj, nullptr, Act::None); });
}

// VAE decoder convolutions on one output frame (the causal conv sees 3 input frames).
TSR_BENCH(cpu_conv3d_vae) {
  auto be = make_cpu_backend();
  struct Case {
    const char* what;
    int64_t cin, cout, h, w, kt, kh;
  };
  const Case cases[] = {
      {"res k3 384ch 30x52", 384, 384, 30, 52, 3, 3},
      {"res k3 192ch 60x104", 192, 192, 60, 104, 3, 3},
      {"res k3 96ch 120x208", 96, 96, 120, 208, 3, 3},
      {"head k3 96->3 120x208", 96, 3, 120, 208, 3, 3},
      {"shortcut 1x1x1 192->384 60x104", 192, 384, 60, 104, 1, 1},
  };
  for (const Case& c : cases) {
    if (!b.wants(c.what)) continue;
    Tensor x = be->from_host(random_host({c.cin, c.kt, c.h, c.w}, 20));
    Tensor w = be->upload(random_host({c.cout, c.cin, c.kt, c.kh, c.kh}, 21, 0.05f), WeightKind::Conv);
    Tensor bias = be->upload(random_host({c.cout}, 22), WeightKind::Vector);
    Conv3dSpec spec;
    if (c.kh == 3) spec.pad[1][0] = spec.pad[1][1] = spec.pad[2][0] = spec.pad[2][1] = 1;
    const double flops = 2.0 * c.cout * c.cin * c.kt * c.kh * c.kh * c.h * c.w;
    b.run(c.what, {flops, 0}, [&] { be->conv3d(x, w, &bias, spec); });
  }
}

// The demo model's VAE (dim 8): few channels, so packing the implicit im2col matters as
// much as the products. One latent chunk at the top resolution is 4 frames (+2 cached).
TSR_BENCH(cpu_conv3d_demo) {
  auto be = make_cpu_backend();
  struct Case {
    const char* what;
    int64_t cin, cout, t, h, w;
  };
  const Case cases[] = {
      {"k3 8ch 4f 128x128", 8, 8, 4, 128, 128},
      {"k3 16ch 4f 64x64", 16, 16, 4, 64, 64},
      {"k3 32ch 2f 32x32", 32, 32, 2, 32, 32},
      {"head k3 8->3 4f 128x128", 8, 3, 4, 128, 128},
  };
  for (const Case& c : cases) {
    if (!b.wants(c.what)) continue;
    Tensor x = be->from_host(random_host({c.cin, c.t + 2, c.h, c.w}, 23));
    Tensor w = be->upload(random_host({c.cout, c.cin, 3, 3, 3}, 24, 0.1f), WeightKind::Conv);
    Tensor bias = be->upload(random_host({c.cout}, 25), WeightKind::Vector);
    Conv3dSpec spec;
    spec.pad[1][0] = spec.pad[1][1] = spec.pad[2][0] = spec.pad[2][1] = 1;
    const double flops = 2.0 * c.cout * c.cin * 27 * c.t * c.h * c.w;
    b.run(c.what, {flops, 0}, [&] { be->conv3d(x, w, &bias, spec); });
  }
}

// Memory-bound ops at the DiT's activation size (1560 tokens × 1536) and VAE sizes.
TSR_BENCH(cpu_ops) {
  auto be = make_cpu_backend();
  const int64_t M = 1560, D = 1536;
  const double act_bytes = 4.0 * M * D;
  Tensor x = be->from_host(random_host({M, D}, 30));
  Tensor y = be->from_host(random_host({M, D}, 31));
  Tensor v = be->upload(random_host({D}, 32), WeightKind::Vector);
  Tensor v2 = be->upload(random_host({D}, 33), WeightKind::Vector);
  b.run("layer_norm_modulate 1560x1536", {0, 2 * act_bytes}, [&] { be->layer_norm_modulate(x, v, v2, 1e-6f); });
  b.run("rms_norm 1560x1536", {0, 2 * act_bytes}, [&] { be->rms_norm(x, v, 1e-6f); });
  b.run("unary gelu 1560x1536", {0, 2 * act_bytes}, [&] { be->unary(x, Act::GeluTanh); });
  b.run("add_gated_ 1560x1536", {0, 3 * act_bytes}, [&] { be->add_gated_(y, x, &v); });
  const int grid[3] = {1, 30, 52};
  b.run("rope3d_ 1560x12x128", {0, 2 * act_bytes}, [&] { be->rope3d_(y, 12, 128, grid); });
  b.run("permute [1560,12,128]->[12,1560,128]", {0, 2 * act_bytes},
        [&] { be->permute(x.reshape({M, 12, 128}), {1, 0, 2}); });
  // A fresh 46 MB output per call: above glibc's mmap threshold, so allocation cost shows.
  Tensor big = be->from_host(random_host({1280, 8960}, 36));
  b.run("add 1280x8960 (46 MB)", {0, 3.0 * 4 * big.numel()}, [&] { be->add(big, big); });
  Tensor vae = be->from_host(random_host({192, 1, 60, 104}, 34));
  Tensor gamma = be->upload(random_host({192}, 35), WeightKind::Vector);
  const double vae_bytes = 4.0 * vae.numel();
  b.run("rms_norm_channels 192x60x104", {0, 2 * vae_bytes}, [&] { be->rms_norm_channels(vae, gamma); });
  b.run("upsample2x 192x60x104", {0, 5 * vae_bytes}, [&] { be->upsample2x(vae); });
}

// Dense self-attention through the backend (delegates to attention/cpu_attention).
TSR_BENCH(cpu_attention) {
  auto be = make_cpu_backend();
  const int64_t heads = 12, d = 128;
  for (int64_t n : {1560}) {
    const std::string name = "dense " + std::to_string(n) + " tokens 12x128";
    if (!b.wants(name)) continue;
    Tensor q = be->from_host(random_host({n, heads * d}, 40));
    Tensor k = be->from_host(random_host({n, heads * d}, 41));
    Tensor v = be->from_host(random_host({n, heads * d}, 42));
    AttnSpec spec;
    spec.heads = int(heads), spec.head_dim = int(d);
    spec.grid[0] = 1, spec.grid[1] = 30, spec.grid[2] = int(n / 30);
    if (!be->attention(q, k, v, spec).defined()) {
      b.skip(name, be->status().to_string());
      continue;
    }
    b.run(name, {4.0 * n * n * d * heads, 0}, [&] { be->attention(q, k, v, spec); });
  }
}
