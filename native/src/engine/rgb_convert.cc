#include "engine/rgb_convert.h"

#include <cmath>
#include <new>

#include "core/threadpool.h"

namespace tsr {

StatusOr<RgbFrames> video_to_rgb(const Tensor& video) {
  if (video.ndim() != 4 || video.dim(0) != 3 || video.dtype() != DType::F32 || !video.data())
    return Error(Code::Internal, "video_to_rgb: expected a host float32 [3, F, H, W] video, got %s",
                 shape_str(video.shape()).c_str());
  RgbFrames out;
  out.frames = int(video.dim(1));
  out.height = int(video.dim(2));
  out.width = int(video.dim(3));
  const int64_t plane = int64_t(out.frames) * out.height * out.width;
  try {
    out.rgb.resize(size_t(plane) * 3);
  } catch (const std::bad_alloc&) {
    return Error(Code::OutOfMemory, "cannot allocate %lld bytes for the output video",
                 static_cast<long long>(plane * 3));
  }
  const float* src = video.data_as<float>();
  uint8_t* dst = out.rgb.data();
  default_pool().parallel_for(plane, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      for (int c = 0; c < 3; ++c) {
        float x = src[c * plane + i];
        dst[i * 3 + c] = std::isnan(x) ? 0 : unit_to_u8(x);
      }
  });
  return out;
}

}  // namespace tsr
