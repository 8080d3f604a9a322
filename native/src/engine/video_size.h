// Checks a requested video size against the model and derives the latent and token grids.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "models/configs.h"

namespace tsr {

constexpr int kMaxGridPerAxis = 1024;  // RoPE tables of the DiT cover 1024 positions per axis

struct LatentGeometry {
  int channels = 16;
  int t = 0, h = 0, w = 0;          // latent [channels, t, h, w]
  int grid[3] = {0, 0, 0};          // DiT token grid after patching
  int64_t tokens() const { return int64_t(grid[0]) * grid[1] * grid[2]; }
  int64_t latent_numel() const { return int64_t(channels) * t * h * w; }
};

// VAE compression factors: 8 in space (three 2x stages), 2^(temporal downsamples) in time.
int vae_time_stride(const VaeConfig& vae);
constexpr int kVaeSpaceStride = 8;

// InvalidSize with a message that states what is valid: frames = s*n + 1 (s = time stride,
// 4 for Wan), width/height positive multiples of 8 * patch (16 for Wan), token grid <= 1024 per
// axis.
StatusOr<LatentGeometry> latent_geometry(const DitConfig& dit, const VaeConfig& vae, int width, int height,
                                         int frames);

}  // namespace tsr
