// Float video -> uint8 RGB exactly as the reference saves videos: clamp to [-1, 1], map to
// [0, 1] with (x + 1) / 2, scale by 255 and truncate (torch's .type(uint8)), all in float32.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "core/tensor.h"
#include "engine/request.h"

namespace tsr {

inline uint8_t unit_to_u8(float x) {
  x = x < -1.0f ? -1.0f : (x > 1.0f ? 1.0f : x);
  float y = (x + 1.0f) / 2.0f * 255.0f;
  return uint8_t(y);  // y in [0, 255]: truncation == floor
}

// video: host float32 [3, F, H, W] -> [F][H][W][3]. NaN maps to 0.
StatusOr<RgbFrames> video_to_rgb(const Tensor& video);

}  // namespace tsr
