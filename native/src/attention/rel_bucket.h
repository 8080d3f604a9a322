// umT5 bidirectional relative-position bucket (spec/wan21.md §6.2). Header-only so the CUDA
// backend builds its bias from the same definition.
#pragma once

#include <cmath>

#include "attention/tile_geometry.h"  // TSR_HD

namespace tsr {

// Bucket of relative distance r = j - i (key position minus query position). Half of the
// buckets are for keys after the query. Within a half, distances below max_exact = half/2
// get their own bucket; larger ones share log-spaced buckets up to max_distance, and
// everything beyond lands in the last one. The log term is evaluated in float32 like the
// reference (torch float tensors), which decides the boundary cases n = 16, 32, 64.
TSR_HD inline int t5_relative_bucket(int r, int num_buckets, int max_distance) {
  int half = num_buckets / 2;
  int base = r > 0 ? half : 0;
  int n = r < 0 ? -r : r;
  int max_exact = half / 2;
  if (n < max_exact) return base + n;
  // The reference divides by math.log(max_distance / max_exact), a Python double that
  // torch rounds to float32 before the float32 division.
  float denom = float(::log(double(max_distance) / double(max_exact)));
  float v = ::logf(float(n) / float(max_exact)) / denom * float(half - max_exact);
  int large = max_exact + int(v);
  return base + (large < half - 1 ? large : half - 1);
}

}  // namespace tsr
