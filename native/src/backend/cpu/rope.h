// Wan's 3D rotary position embedding (spec/wan21.md §3.6).
#pragma once

namespace tsr::cpu {

// Pairs of the head dimension given to each axis: head_dim/2 = c complex pairs split as
// t: c - 2·(c/3), h: c/3, w: c/3.
struct RopeSplit {
  int t, h, w;
};
RopeSplit rope_split(int head_dim);

}  // namespace tsr::cpu
