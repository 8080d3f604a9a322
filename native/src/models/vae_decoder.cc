// Wan-VAE decoding (spec/wan21.md §5.4, §5.5): z·std + mean, post-quant conv, then the
// causal decoder over latent chunks (one frame each by default, like the reference) with
// explicit caches, clamp to [-1, 1]. Each chunk's frames go to the host as soon as they are
// ready, so memory holds one chunk's activations plus the caches.
#include <algorithm>
#include <cstring>
#include <string>

#include "models/vae.h"
#include "models/vae_parts.h"

namespace tsr {

namespace vae {

Tensor decoder_forward(Backend& be, const Decoder& dec, const Tensor& x, Caches& caches) {
  Tensor h = causal_conv(be, dec.conv1, x, &caches.next());   // [dims0, T, h, w]
  h = residual_block(be, dec.middle0, h, caches);              // [dims0, T, h, w]
  h = attention_block(be, dec.middle1, h);                     // [dims0, T, h, w]
  h = residual_block(be, dec.middle2, h, caches);              // [dims0, T, h, w]
  for (const Layer& layer : dec.upsamples)                     // -> [dim, T', 8h, 8w]
    h = layer.is_resample ? resample(be, layer.resample, h, caches)
                          : residual_block(be, layer.res, h, caches);
  h = be.rms_norm_channels_act(h, dec.head_gamma, Act::Silu);  // [dim, T', 8h, 8w]
  return causal_conv(be, dec.head, h, &caches.next());        // [3, T', 8h, 8w]
}

}  // namespace vae

namespace {

// Output frames for T latent frames: each temporal upsample maps T -> 1 + 2(T - 1).
int64_t decoded_frames(const VaeConfig& cfg, int64_t t) {
  for (int i = 0; i < 3; ++i)
    if (cfg.temperal_downsample[i]) t = 1 + 2 * (t - 1);
  return t;
}

}  // namespace

StatusOr<Tensor> WanVae::decode(const Tensor& z, const float* mean, const float* std,
                                const std::function<bool(int, int)>& on_chunk,
                                int latent_frames_per_chunk) const {
  const VaeConfig& c = cfg_;
  if (!z.defined() || z.device() != DeviceKind::Cpu || z.dtype() != DType::F32 || z.ndim() != 4 ||
      z.dim(0) != c.z_dim)
    return Error(Code::ShapeMismatch, "vae: latent must be host float32 [%d, T, h, w], got %s",
                 c.z_dim, shape_str(z.shape()).c_str());
  const int64_t T = z.dim(1), h = z.dim(2), w = z.dim(3);
  if (T < 1 || h < 1 || w < 1 || T > 4096 || h > 8192 || w > 8192)
    return Error(Code::InvalidSize, "vae: latent size %s is out of range",
                 shape_str(z.shape()).c_str());
  if ((!mean || !std) && c.z_dim != 16)
    return Error(Code::InvalidArgument, "vae: latent statistics are required for z_dim %d", c.z_dim);
  if (!mean) mean = kWanLatentMean;
  if (!std) std = kWanLatentStd;
  TSR_RETURN_IF_ERROR(be_.status());

  // Un-normalise on the host like the reference: z / (1/std) + mean.
  Tensor raw = host_empty(DType::F32, z.shape());
  if (!raw.defined()) return Error(Code::OutOfMemory, "vae: latent copy");
  const int64_t plane = T * h * w;
  for (int64_t ch = 0; ch < c.z_dim; ++ch) {
    const float inv_std = 1.0f / std[ch];
    const float* src = z.data_as<float>() + ch * plane;
    float* dst = raw.data_as<float>() + ch * plane;
    for (int64_t i = 0; i < plane; ++i) dst[i] = src[i] / inv_std + mean[ch];
  }

  const int64_t frames_out = decoded_frames(c, T), H = 8 * h, W = 8 * w;
  Tensor video = host_empty(DType::F32, {3, frames_out, H, W});
  if (!video.defined()) return Error(Code::OutOfMemory, "vae: output video %s",
                                     shape_str({3, frames_out, H, W}).c_str());
  const int64_t per_chunk = latent_frames_per_chunk > 0 ? latent_frames_per_chunk : T;
  vae::Caches caches;
  int64_t written = 0;
  for (int64_t t0 = 0; t0 < T; t0 += per_chunk) {
    if (on_chunk && !on_chunk(int(t0), int(T)))
      return Error(Code::Cancelled, "vae decode cancelled at latent frame %lld", (long long)t0);
    const int64_t n = std::min(per_chunk, T - t0);
    // Latent frames [t0, t0 + n) as a host [z, n, h, w] tensor.
    Tensor chunk_host = host_empty(DType::F32, {c.z_dim, n, h, w});
    if (!chunk_host.defined()) return Error(Code::OutOfMemory, "vae: latent chunk");
    for (int64_t ch = 0; ch < c.z_dim; ++ch)
      std::memcpy(chunk_host.data_as<float>() + ch * n * h * w,
                  raw.data_as<float>() + ch * plane + t0 * h * w, size_t(n * h * w) * sizeof(float));

    caches.start_chunk();
    Tensor zc = be_.from_host(chunk_host);                                   // [z, n, h, w]
    Tensor x = vae::causal_conv(be_, w_->conv2, zc, nullptr);               // [z, n, h, w]
    Tensor pixels = vae::decoder_forward(be_, w_->decoder, x, caches);      // [3, n', H, W]
    Tensor clamped = be_.clamp(pixels, -1.0f, 1.0f);
    Tensor out = be_.to_host(clamped);
    TSR_RETURN_IF_ERROR(be_.status().with_context("vae decode, latent frame " + std::to_string(t0)));
    if (!out.defined()) return Error(Code::OutOfMemory, "vae: decoded chunk");
    const int64_t got = out.dim(1);
    if (out.dim(0) != 3 || out.dim(2) != H || out.dim(3) != W || written + got > frames_out)
      return Error(Code::Internal, "vae: decoded chunk has shape %s",
                   shape_str(out.shape()).c_str());
    for (int64_t ch = 0; ch < 3; ++ch)
      std::memcpy(video.data_as<float>() + (ch * frames_out + written) * H * W,
                  out.data_as<float>() + ch * got * H * W, size_t(got * H * W) * sizeof(float));
    written += got;
  }
  if (written != frames_out)
    return Error(Code::Internal, "vae: decoded %lld frames, expected %lld", (long long)written,
                 (long long)frames_out);
  return video;
}

}  // namespace tsr
