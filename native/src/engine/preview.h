// Cheap live previews: the x0 prediction of every latent frame mapped to RGB by a 16 -> 3
// linear projection plus bias, then resized. The projection is fitted per model when it loads,
// by least squares against the model's own VAE decoding a few small seeded latents, so it
// works for any Wan-compatible VAE (the real one and the built-in demo model alike).
#pragma once

#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "engine/request.h"
#include "models/vae.h"

namespace tsr {

struct PreviewProjection {
  int z_dim = 16;
  std::vector<float> weight;  // [3][z_dim]: rgb in [-1, 1] = weight * z + bias, z normalised
  float bias[3] = {0, 0, 0};
  double r2 = 0;  // fraction of the decoded colours' variance the fit explains
};

// Least squares fit of rgb[n][3] ~ W z[n][k] + b (ridge-regularised so a degenerate sample
// set still gives a finite answer). z: n rows of k values; rgb: n rows of 3 values.
PreviewProjection fit_linear_rgb(const std::vector<float>& z, const std::vector<float>& rgb, int k);

// Decodes `count` seeded latents [z_dim, 2, 6, 6] (blocky, 2x2-latent-pixel patches, like real
// latents are smooth) with the VAE and fits the projection: each latent pixel is paired with the
// mean colour of the pixels it decodes to (its 8x8 patch over the frames of its latent frame).
StatusOr<PreviewProjection> fit_preview_projection(const WanVae& vae, const float* mean, const float* std,
                                                   int count = 2);

// x0: host float32 latent [z_dim, T, h, w] -> T RGB frames, longest side `max_side` pixels
// (0: the video's size, 8x the latent), bilinear.
StatusOr<RgbFrames> render_preview(const PreviewProjection& proj, const Tensor& x0, int max_side);

}  // namespace tsr
