// Wan-VAE encoding (spec/wan21.md §5.7): the causal encoder over pixel chunks of 1, 4, 4, ...
// frames like the reference, quant conv, first z_dim channels = mu, (mu − mean)/std.
#include <algorithm>
#include <cstring>
#include <string>

#include "models/vae.h"
#include "models/vae_parts.h"

namespace tsr {

namespace vae {

Tensor encoder_forward(Backend& be, const Encoder& enc, const Tensor& x, Caches& caches) {
  Tensor h = causal_conv(be, enc.conv1, x, &caches.next());   // [dim, T, H, W]
  for (const Layer& layer : enc.downsamples)                   // -> [dims4, T', H/8, W/8]
    h = layer.is_resample ? resample(be, layer.resample, h, caches)
                          : residual_block(be, layer.res, h, caches);
  h = residual_block(be, enc.middle0, h, caches);              // [dims4, T', h, w]
  h = attention_block(be, enc.middle1, h);                     // [dims4, T', h, w]
  h = residual_block(be, enc.middle2, h, caches);              // [dims4, T', h, w]
  h = be.rms_norm_channels_act(h, enc.head_gamma, Act::Silu);
  return causal_conv(be, enc.head, h, &caches.next());        // [2·z_dim, T', h, w]
}

}  // namespace vae

StatusOr<Tensor> WanVae::encode(const Tensor& pixels, const float* mean, const float* std,
                                int latent_frames_per_chunk) const {
  const VaeConfig& c = cfg_;
  if (!has_encoder_) return Error(Code::Unsupported, "vae: loaded without its encoder");
  if (!pixels.defined() || pixels.device() != DeviceKind::Cpu || pixels.dtype() != DType::F32 ||
      pixels.ndim() != 4 || pixels.dim(0) != 3)
    return Error(Code::ShapeMismatch, "vae: pixels must be host float32 [3, F, H, W], got %s",
                 shape_str(pixels.shape()).c_str());
  int64_t tf = 1;  // temporal compression
  for (bool down : c.temperal_downsample) tf *= down ? 2 : 1;
  const int64_t F = pixels.dim(1), H = pixels.dim(2), W = pixels.dim(3);
  if (F < 1 || (F - 1) % tf || H < 8 || W < 8 || H % 8 || W % 8 || H > 65536 || W > 65536)
    return Error(Code::InvalidSize,
                 "vae: pixels %s: frames must be 1 + %lld·k and sides positive multiples of 8",
                 shape_str(pixels.shape()).c_str(), (long long)tf);
  if ((!mean || !std) && c.z_dim != 16)
    return Error(Code::InvalidArgument, "vae: latent statistics are required for z_dim %d", c.z_dim);
  if (!mean) mean = kWanLatentMean;
  if (!std) std = kWanLatentStd;
  TSR_RETURN_IF_ERROR(be_.status());

  const int64_t T = 1 + (F - 1) / tf, h = H / 8, w = W / 8, Z = c.z_dim;
  Tensor mu = host_empty(DType::F32, {Z, T, h, w});
  if (!mu.defined()) return Error(Code::OutOfMemory, "vae: latent output");
  const int64_t per_chunk = latent_frames_per_chunk > 0 ? latent_frames_per_chunk : T;
  vae::Caches caches;
  for (int64_t t0 = 0; t0 < T; t0 += per_chunk) {
    const int64_t n = std::min(per_chunk, T - t0);
    // Latent frames [t0, t0 + n) come from pixel frames [f0, f1): 1 + tf·(t − 1) frames end
    // at latent t.
    const int64_t f0 = t0 == 0 ? 0 : 1 + tf * (t0 - 1), f1 = 1 + tf * (t0 + n - 1);
    Tensor chunk_host = host_empty(DType::F32, {3, f1 - f0, H, W});
    if (!chunk_host.defined()) return Error(Code::OutOfMemory, "vae: pixel chunk");
    for (int64_t ch = 0; ch < 3; ++ch)
      std::memcpy(chunk_host.data_as<float>() + ch * (f1 - f0) * H * W,
                  pixels.data_as<float>() + (ch * F + f0) * H * W,
                  size_t((f1 - f0) * H * W) * sizeof(float));

    caches.start_chunk();
    Tensor x = be_.from_host(chunk_host);                                  // [3, f, H, W]
    Tensor enc = vae::encoder_forward(be_, w_->encoder, x, caches);       // [2Z, n, h, w]
    Tensor moments = vae::causal_conv(be_, w_->conv1, enc, nullptr);      // [2Z, n, h, w]
    Tensor mu_dev = be_.slice(moments, 0, 0, Z);                          // [Z, n, h, w]
    Tensor out = be_.to_host(mu_dev);
    TSR_RETURN_IF_ERROR(be_.status().with_context("vae encode, latent frame " + std::to_string(t0)));
    if (!out.defined()) return Error(Code::OutOfMemory, "vae: encoded chunk");
    if (out.dim(1) != n || out.dim(2) != h || out.dim(3) != w)
      return Error(Code::Internal, "vae: encoded chunk has shape %s", shape_str(out.shape()).c_str());
    for (int64_t ch = 0; ch < Z; ++ch) {
      const float inv_std = 1.0f / std[ch];  // the reference multiplies by 1/std
      const float* src = out.data_as<float>() + ch * n * h * w;
      float* dst = mu.data_as<float>() + (ch * T + t0) * h * w;
      for (int64_t i = 0; i < n * h * w; ++i) dst[i] = (src[i] - mean[ch]) * inv_std;
    }
  }
  return mu;
}

}  // namespace tsr
