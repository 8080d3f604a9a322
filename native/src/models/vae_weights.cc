// Binding of the WanVAE_ state dict (spec/wan21.md §5.4, §5.6, §5.7). The module lists are
// built like the reference constructors, so every key and shape follows from the config.
#include <string>

#include "models/vae_parts.h"

namespace tsr::vae {
namespace {

// [C, 1, 1, 1] or [C, 1, 1] gains viewed as [C].
Tensor take_gamma(WeightBinder& b, const std::string& name, int64_t c, int spatial_dims) {
  Shape shape = {c};
  for (int i = 0; i < spatial_dims; ++i) shape.push_back(1);
  Tensor g = b.take(name, shape, WeightKind::Vector);
  return g.defined() ? g.reshape({c}) : g;
}

CausalConv3d take_conv(WeightBinder& b, const std::string& name, int64_t out, int64_t in, int kt,
                       int kh, int kw) {
  CausalConv3d c;
  c.weight = b.take(name + ".weight", {out, in, kt, kh, kw}, WeightKind::Conv);
  c.bias = b.take(name + ".bias", {out}, WeightKind::Vector);
  c.kt = kt;
  c.kh = kh;
  c.kw = kw;
  return c;
}

ResidualBlock take_residual(WeightBinder& b, const std::string& p, int64_t in, int64_t out) {
  ResidualBlock r;
  r.gamma_a = take_gamma(b, p + ".residual.0.gamma", in, 3);
  r.conv_a = take_conv(b, p + ".residual.2", out, in, 3, 3, 3);
  r.gamma_b = take_gamma(b, p + ".residual.3.gamma", out, 3);
  r.conv_b = take_conv(b, p + ".residual.6", out, out, 3, 3, 3);
  r.has_shortcut = in != out;
  if (r.has_shortcut) r.shortcut = take_conv(b, p + ".shortcut", out, in, 1, 1, 1);
  return r;
}

AttentionBlock take_attention(WeightBinder& b, const std::string& p, int64_t c) {
  AttentionBlock a;
  a.gamma = take_gamma(b, p + ".norm.gamma", c, 2);
  // 1x1 Conv2d weights used as linear layers over the h·w tokens.
  Tensor qkv = b.take(p + ".to_qkv.weight", {3 * c, c, 1, 1}, WeightKind::Matrix);
  a.to_qkv_w = qkv.defined() ? qkv.reshape({3 * c, c}) : qkv;
  a.to_qkv_b = b.take(p + ".to_qkv.bias", {3 * c}, WeightKind::Vector);
  Tensor proj = b.take(p + ".proj.weight", {c, c, 1, 1}, WeightKind::Matrix);
  a.proj_w = proj.defined() ? proj.reshape({c, c}) : proj;
  a.proj_b = b.take(p + ".proj.bias", {c}, WeightKind::Vector);
  return a;
}

Resample take_resample(WeightBinder& b, const std::string& p, int64_t c, ResampleMode mode) {
  Resample r;
  r.mode = mode;
  const bool up = mode == ResampleMode::Up2d || mode == ResampleMode::Up3d;
  const int64_t out = up ? c / 2 : c;  // upsampling halves the channels
  Tensor w = b.take(p + ".resample.1.weight", {out, c, 3, 3}, WeightKind::Conv);
  r.conv_w = w.defined() ? w.reshape({out, c, 1, 3, 3}) : w;
  r.conv_b = b.take(p + ".resample.1.bias", {out}, WeightKind::Vector);
  if (mode == ResampleMode::Up3d) r.time_conv = take_conv(b, p + ".time_conv", 2 * c, c, 3, 1, 1);
  if (mode == ResampleMode::Down3d) r.time_conv = take_conv(b, p + ".time_conv", c, c, 3, 1, 1);
  return r;
}

Layer res_layer(ResidualBlock r) {
  Layer l;
  l.res = std::move(r);
  return l;
}

Layer resample_layer(Resample r) {
  Layer l;
  l.is_resample = true;
  l.resample = std::move(r);
  return l;
}

void bind_decoder(WeightBinder& b, const VaeConfig& cfg, Decoder& d) {
  const int64_t base = cfg.dim;
  const int* m = cfg.dim_mult;
  // Stage widths from the deepest: [m3, m3, m2, m1, m0] · dim.
  const int64_t dims[5] = {base * m[3], base * m[3], base * m[2], base * m[1], base * m[0]};
  const bool temporal_up[3] = {cfg.temperal_downsample[2], cfg.temperal_downsample[1],
                               cfg.temperal_downsample[0]};
  d.conv1 = take_conv(b, "decoder.conv1", dims[0], cfg.z_dim, 3, 3, 3);
  d.middle0 = take_residual(b, "decoder.middle.0", dims[0], dims[0]);
  d.middle1 = take_attention(b, "decoder.middle.1", dims[0]);
  d.middle2 = take_residual(b, "decoder.middle.2", dims[0], dims[0]);
  int idx = 0;
  int64_t out = dims[0];
  for (int i = 0; i < 4; ++i) {
    // Stages after an upsample receive half the channels (the resample conv halves them).
    int64_t in = i == 0 ? dims[0] : dims[i] / 2;
    out = dims[i + 1];
    for (int r = 0; r < cfg.num_res_blocks + 1; ++r) {
      d.upsamples.push_back(
          res_layer(take_residual(b, "decoder.upsamples." + std::to_string(idx++), in, out)));
      in = out;
    }
    if (i != 3) {
      ResampleMode mode = temporal_up[i] ? ResampleMode::Up3d : ResampleMode::Up2d;
      d.upsamples.push_back(resample_layer(
          take_resample(b, "decoder.upsamples." + std::to_string(idx++), out, mode)));
    }
  }
  d.head_gamma = take_gamma(b, "decoder.head.0.gamma", out, 3);
  d.head = take_conv(b, "decoder.head.2", 3, out, 3, 3, 3);
}

void bind_encoder(WeightBinder& b, const VaeConfig& cfg, Encoder& e) {
  const int64_t base = cfg.dim;
  const int* m = cfg.dim_mult;
  const int64_t dims[5] = {base, base * m[0], base * m[1], base * m[2], base * m[3]};
  e.conv1 = take_conv(b, "encoder.conv1", dims[0], 3, 3, 3, 3);
  int idx = 0;
  int64_t out = dims[0];
  for (int i = 0; i < 4; ++i) {
    int64_t in = dims[i];
    out = dims[i + 1];
    for (int r = 0; r < cfg.num_res_blocks; ++r) {
      e.downsamples.push_back(
          res_layer(take_residual(b, "encoder.downsamples." + std::to_string(idx++), in, out)));
      in = out;
    }
    if (i != 3) {
      ResampleMode mode = cfg.temperal_downsample[i] ? ResampleMode::Down3d : ResampleMode::Down2d;
      e.downsamples.push_back(resample_layer(
          take_resample(b, "encoder.downsamples." + std::to_string(idx++), out, mode)));
    }
  }
  e.middle0 = take_residual(b, "encoder.middle.0", out, out);
  e.middle1 = take_attention(b, "encoder.middle.1", out);
  e.middle2 = take_residual(b, "encoder.middle.2", out, out);
  e.head_gamma = take_gamma(b, "encoder.head.0.gamma", out, 3);
  e.head = take_conv(b, "encoder.head.2", 2 * int64_t(cfg.z_dim), out, 3, 3, 3);
}

}  // namespace

void bind_weights(WeightBinder& b, const VaeConfig& cfg, bool with_encoder, Weights& w) {
  const int64_t z = cfg.z_dim;
  w.conv2 = take_conv(b, "conv2", z, z, 1, 1, 1);
  bind_decoder(b, cfg, w.decoder);
  w.has_encoder = with_encoder;
  if (with_encoder) {
    w.conv1 = take_conv(b, "conv1", 2 * z, 2 * z, 1, 1, 1);
    bind_encoder(b, cfg, w.encoder);
  } else {
    b.ignore_prefix("conv1.");
    b.ignore_prefix("encoder.");
  }
}

}  // namespace tsr::vae
