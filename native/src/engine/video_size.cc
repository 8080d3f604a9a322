#include "engine/video_size.h"

namespace tsr {

int vae_time_stride(const VaeConfig& vae) {
  int s = 1;
  for (bool down : vae.temperal_downsample) s *= down ? 2 : 1;
  return s;
}

StatusOr<LatentGeometry> latent_geometry(const DitConfig& dit, const VaeConfig& vae, int width, int height,
                                         int frames) {
  const int ts = vae_time_stride(vae);
  const int mh = kVaeSpaceStride * dit.patch[1], mw = kVaeSpaceStride * dit.patch[2];
  if (frames < 1 || (frames - 1) % ts != 0)
    return Error(Code::InvalidSize, "frames must be %d*n+1 (1, %d, %d, ..., 81, ...), got %d", ts, ts + 1,
                 2 * ts + 1, frames);
  if (width <= 0 || width % mw != 0)
    return Error(Code::InvalidSize, "width must be a positive multiple of %d, got %d", mw, width);
  if (height <= 0 || height % mh != 0)
    return Error(Code::InvalidSize, "height must be a positive multiple of %d, got %d", mh, height);
  LatentGeometry g;
  g.channels = dit.in_dim;
  g.t = (frames - 1) / ts + 1;
  g.h = height / kVaeSpaceStride;
  g.w = width / kVaeSpaceStride;
  if (g.t % dit.patch[0] != 0)
    return Error(Code::InvalidSize, "latent frames %d are not a multiple of the temporal patch %d", g.t,
                 dit.patch[0]);
  g.grid[0] = g.t / dit.patch[0];
  g.grid[1] = g.h / dit.patch[1];
  g.grid[2] = g.w / dit.patch[2];
  const char* axis[3] = {"frames", "height", "width"};
  const int max_px[3] = {(kMaxGridPerAxis * dit.patch[0] - 1) * ts + 1, kMaxGridPerAxis * mh,
                         kMaxGridPerAxis * mw};
  for (int a = 0; a < 3; ++a)
    if (g.grid[a] > kMaxGridPerAxis)
      return Error(Code::InvalidSize, "%s too large: the token grid is limited to %d per axis (at most %d %s)",
                   axis[a], kMaxGridPerAxis, max_px[a], a == 0 ? "frames" : "pixels");
  return g;
}

}  // namespace tsr
