// Fits the preview projection against the model's own VAE (preview.h).
#include "engine/preview.h"
#include "sampling/noise.h"

namespace tsr {

namespace {
constexpr int kFitFrames = 2, kFitSide = 6, kFitBlock = 2;
constexpr uint64_t kFitSeed = 0x7e55e7a;  // any fixed value: the fit must be reproducible
}  // namespace

StatusOr<PreviewProjection> fit_preview_projection(const WanVae& vae, const float* mean, const float* std,
                                                   int count) {
  const int k = vae.config().z_dim;
  const int ts = [&] {
    int s = 1;
    for (bool d : vae.config().temperal_downsample) s *= d ? 2 : 1;
    return s;
  }();
  const int T = kFitFrames, S = kFitSide, C = S / kFitBlock;
  std::vector<float> zs, rgbs;
  for (int sample = 0; sample < count; ++sample) {
    // Coarse seeded noise, nearest-upsampled by kFitBlock in h and w.
    TSR_ASSIGN_OR_RETURN(Tensor coarse, seeded_noise({k, T, C, C}, kFitSeed, uint64_t(sample)));
    Tensor z = host_empty(DType::F32, {k, T, S, S});
    if (!z.data()) return Error(Code::OutOfMemory, "preview fit: out of memory");
    for (int c = 0; c < k; ++c)
      for (int t = 0; t < T; ++t)
        for (int y = 0; y < S; ++y)
          for (int x = 0; x < S; ++x)
            z.data_as<float>()[((c * T + t) * S + y) * S + x] =
                coarse.data_as<float>()[((c * T + t) * C + y / kFitBlock) * C + x / kFitBlock];
    TSR_ASSIGN_OR_RETURN(Tensor video, vae.decode(z, mean, std));
    const int F = int(video.dim(1)), H = int(video.dim(2)), W = int(video.dim(3));
    if (F != 1 + ts * (T - 1) || H != S * 8 || W != S * 8)
      return Error(Code::Internal, "preview fit: unexpected decoded shape %s", shape_str(video.shape()).c_str());
    const float* v = video.data_as<float>();
    for (int t = 0; t < T; ++t) {
      const int f0 = t == 0 ? 0 : 1 + ts * (t - 1), f1 = t == 0 ? 1 : 1 + ts * t;
      for (int y = 0; y < S; ++y)
        for (int x = 0; x < S; ++x) {
          for (int c = 0; c < k; ++c) zs.push_back(z.data_as<float>()[((c * T + t) * S + y) * S + x]);
          for (int ch = 0; ch < 3; ++ch) {
            double s = 0;
            for (int f = f0; f < f1; ++f)
              for (int py = 0; py < 8; ++py)
                for (int px = 0; px < 8; ++px) s += v[((size_t(ch) * F + f) * H + y * 8 + py) * W + x * 8 + px];
            rgbs.push_back(float(s / ((f1 - f0) * 64)));
          }
        }
    }
  }
  return fit_linear_rgb(zs, rgbs, k);
}

}  // namespace tsr
