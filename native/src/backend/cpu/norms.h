// Normalisations over the last dimension (layer_norm, layer_norm_modulate, rms_norm) and
// over the channel dimension of VAE activations (rms_norm_channels).
#pragma once

#include <cstdint>

namespace tsr::cpu {

// y = (x - mean)/sqrt(var + eps), then · w, + b, · (1 + scale), + shift for each operand
// that is non-null (all of length n). Biased variance, as torch.
void layer_norm_row(const float* x, float* y, int64_t n, const float* w, const float* b,
                    const float* shift, const float* scale, float eps);
// y = x · rsqrt(mean(x²) + eps) · w
void rms_norm_row(const float* x, float* y, int64_t n, const float* w, float eps);

}  // namespace tsr::cpu
