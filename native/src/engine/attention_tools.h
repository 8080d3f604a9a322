// Research tools on a loaded model: the attention map of one layer/head/query at a chosen
// denoising step, and the training-free STA window calibration. Both run the generation's own
// preparation and sampler loop (generate.h) and observe the DiT's self-attention.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/generate.h"

namespace tsr {

struct AttnMapRequest {
  int step = 0;  // 0-based denoise step
  int layer = 0, head = 0;
  int64_t query_token = -1;  // raster index into the token grid, or -1 to use query_tile
  int64_t query_tile = 0;    // tile index in tile raster order
  bool cond = true;          // conditional pass (else the unconditional one, needs guidance > 1)
};

struct AttnMapResult {
  int grid[3] = {0, 0, 0};
  std::vector<float> probs;  // [t*h*w] dense attention probabilities of the query
  int tiles[3] = {0, 0, 0};
  int num_tiles = 0;
  std::vector<float> tile_mass;  // [num_tiles][num_tiles], rows sum to 1
  std::vector<uint8_t> kept;     // [num_tiles][num_tiles], the configured pattern at that step
};

// Runs the loop (with the request's attention rules) up to `step`, captures q and k of the
// requested layer in the requested pass, and computes the dense map there.
StatusOr<AttnMapResult> attention_map(ModelBundle& m, const GenerateRequest& req, const AttnMapRequest& map,
                                      RunObserver& obs);

struct CalibrationRequest {
  std::vector<std::array<int, 3>> candidates;  // STA windows in tiles
  int dense_steps = 0;                          // first steps: dense and not measured
  float max_error = 0;                          // <= 0: argmin per head
};

struct CalibrationResult {
  int steps = 0;  // measured steps (steps - dense_steps)
  int layers = 0, heads = 0, num_candidates = 0;
  std::vector<float> errors;  // [layers][heads][candidates] mean relative L2 vs dense
  std::vector<int> windows;   // [layers][heads][3] chosen window
  float sparsity = 0;         // fraction of (query tile, key tile) blocks the choice skips
};

// Runs the whole loop with dense attention (the reference trajectory); at every step >=
// dense_steps and every layer of the conditional pass, runs each candidate window on the
// backend over the same q, k, v and measures per head the relative L2 distance of its output
// to the dense output. Errors are averaged over the measured steps, then each head gets the
// cheapest window within max_error (else the argmin; attention/calibration.h).
StatusOr<CalibrationResult> calibrate(ModelBundle& m, const GenerateRequest& req, const CalibrationRequest& cal,
                                      RunObserver& obs);

}  // namespace tsr
