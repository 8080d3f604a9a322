// Wan-VAE building blocks on [C, T, H, W] chunks with causal caches (spec/wan21.md §5.3, §5.5,
// §5.7).
#include <algorithm>

#include "models/vae_parts.h"

namespace tsr::vae {
namespace {

Tensor frames(Backend& be, const Tensor& x, int64_t begin, int64_t end) {
  return be.slice(x, 1, begin, end);  // [C, end-begin, H, W]
}

// time_conv output [2C, T, H, W] -> [C, 2T, H, W]: channel half s becomes frame 2t + s.
Tensor split_channels_into_frames(Backend& be, const Tensor& y) {
  if (!y.defined()) return y;
  const int64_t C2 = y.dim(0), T = y.dim(1), H = y.dim(2), W = y.dim(3);
  Tensor halves = y.reshape({2, C2 / 2, T, H * W});          // [2, C, T, HW]
  Tensor inter = be.permute(halves, {1, 2, 0, 3});           // [C, T, 2, HW]
  return inter.defined() ? inter.reshape({C2 / 2, 2 * T, H, W}) : inter;
}

Tensor conv2d_per_frame(Backend& be, const Tensor& x, const Tensor& w, const Tensor& b,
                        int stride, int pad_before, int pad_after) {
  Conv3dSpec spec;
  spec.stride[1] = spec.stride[2] = stride;
  spec.pad[1][0] = spec.pad[2][0] = pad_before;
  spec.pad[1][1] = spec.pad[2][1] = pad_after;
  return be.conv3d(x, w, &b, spec);
}

}  // namespace

Tensor causal_conv(Backend& be, const CausalConv3d& conv, const Tensor& x, Slot* cache) {
  if (!x.defined()) return x;
  const int front = conv.kt - 1;  // reference padding (kt/2 · 2) all in front
  const Tensor* prefix = nullptr;
  int cached = 0;
  if (cache && front > 0 && cache->frames.defined()) {
    prefix = &cache->frames;  // [C, cached, H, W] in front of x's frames
    cached = int(cache->frames.dim(1));
  }
  Conv3dSpec spec;
  spec.pad[0][0] = front - cached;  // zeros for what the cache does not cover
  spec.pad[1][0] = spec.pad[1][1] = conv.kh / 2;
  spec.pad[2][0] = spec.pad[2][1] = conv.kw / 2;
  Tensor y = be.conv3d_prefixed(prefix, x, conv.weight, &conv.bias, spec);  // [out, T, H, W]
  if (cache && front > 0) {
    // The new cache is the last ≤ 2 frames of [cache, x].
    const int64_t t = x.dim(1), keep = std::min<int64_t>(front, cached + t);
    if (t >= keep) cache->frames = frames(be, x, t - keep, t);
    else cache->frames = be.concat({frames(be, cache->frames, cached - (keep - t), cached), x}, 1);
  }
  return y;
}

Tensor residual_block(Backend& be, const ResidualBlock& rb, const Tensor& x, Caches& caches) {
  Tensor h = rb.has_shortcut ? causal_conv(be, rb.shortcut, x, nullptr) : x;  // [out, T, H, W]
  Tensor a = be.rms_norm_channels_act(x, rb.gamma_a, Act::Silu);             // [in, T, H, W]
  a = causal_conv(be, rb.conv_a, a, &caches.next());                          // [out, T, H, W]
  a = be.rms_norm_channels_act(a, rb.gamma_b, Act::Silu);
  a = causal_conv(be, rb.conv_b, a, &caches.next());                          // [out, T, H, W]
  return be.add(a, h);
}

Tensor attention_block(Backend& be, const AttentionBlock& ab, const Tensor& x) {
  if (!x.defined()) return x;
  const int64_t C = x.dim(0), T = x.dim(1), H = x.dim(2), W = x.dim(3), HW = H * W;
  Tensor norm = be.rms_norm_channels(x, ab.gamma);                      // [C, T, H, W]
  Tensor tokens = be.permute(norm.reshape({C, T, HW}), {1, 2, 0});      // [T, HW, C]
  if (!tokens.defined()) return tokens;
  tokens = tokens.reshape({T * HW, C});                                 // [T·HW, C]
  Tensor qkv = be.linear(tokens, ab.to_qkv_w, &ab.to_qkv_b);           // [T·HW, 3C]
  AttnSpec spec;  // one head of width C, scale 1/sqrt(C)
  spec.heads = 1;
  spec.head_dim = int(C);
  std::vector<Tensor> per_frame;
  for (int64_t t = 0; t < T; ++t) {
    Tensor rows = be.slice(qkv, 0, t * HW, (t + 1) * HW);               // [HW, 3C]
    Tensor q = be.slice(rows, 1, 0, C);                                 // [HW, C]
    Tensor k = be.slice(rows, 1, C, 2 * C);                             // [HW, C]
    Tensor v = be.slice(rows, 1, 2 * C, 3 * C);                         // [HW, C]
    per_frame.push_back(be.attention(q, k, v, spec));                   // [HW, C]
  }
  Tensor attn = T == 1 ? per_frame[0] : be.concat(per_frame, 0);        // [T·HW, C]
  Tensor proj = be.linear(attn, ab.proj_w, &ab.proj_b);                 // [T·HW, C]
  if (!proj.defined()) return proj;
  Tensor back = be.permute(proj.reshape({T, HW, C}), {2, 0, 1});        // [C, T, HW]
  if (!back.defined()) return back;
  return be.add(back.reshape({C, T, H, W}), x);                          // + identity
}

Tensor resample(Backend& be, const Resample& rs, const Tensor& x, Caches& caches) {
  if (!x.defined()) return x;
  switch (rs.mode) {
    case ResampleMode::Up2d:
    case ResampleMode::Up3d: {
      Tensor y = x;  // [C, T, H, W]
      if (rs.mode == ResampleMode::Up3d) {
        Slot& slot = caches.next();
        const int64_t T = x.dim(1);
        if (!slot.seen) {
          // First chunk: frame 0 passes through without time_conv; later frames of the
          // same chunk go through time_conv with zero padding (frame 0 not visible).
          slot.seen = true;
          if (T > 1) {
            Tensor first = frames(be, x, 0, 1);                             // [C, 1, H, W]
            Tensor rest = frames(be, x, 1, T);                              // [C, T-1, H, W]
            Tensor tc = causal_conv(be, rs.time_conv, rest, &slot);         // [2C, T-1, H, W]
            y = be.concat({first, split_channels_into_frames(be, tc)}, 1);  // [C, 2T-1, H, W]
          }
        } else {
          Tensor tc = causal_conv(be, rs.time_conv, x, &slot);              // [2C, T, H, W]
          y = split_channels_into_frames(be, tc);                           // [C, 2T, H, W]
        }
      }
      Tensor up = be.upsample2x(y);                                         // [C, T', 2H, 2W]
      return conv2d_per_frame(be, up, rs.conv_w, rs.conv_b, 1, 1, 1);      // [C/2, T', 2H, 2W]
    }
    case ResampleMode::Down2d:
    case ResampleMode::Down3d: {
      // ZeroPad2d(right 1, bottom 1) + Conv2d 3x3 stride 2.
      Tensor y = conv2d_per_frame(be, x, rs.conv_w, rs.conv_b, 2, 0, 1);  // [C, T, H/2, W/2]
      if (rs.mode == ResampleMode::Down2d || !y.defined()) return y;
      // Temporal stride-2 conv (3,1,1) without padding over [previous last frame, chunk];
      // in the first chunk frame 0 passes through and starts the windows.
      Slot& slot = caches.next();
      const int64_t T = y.dim(1);
      Tensor first, input;
      if (!slot.seen) {
        slot.seen = true;
        first = frames(be, y, 0, 1);                                      // [C, 1, h, w]
        if (T == 1) {
          slot.frames = first;
          return first;
        }
        input = y;                                                        // [C, T, h, w]
      } else {
        input = be.concat({slot.frames, y}, 1);                           // [C, 1 + T, h, w]
      }
      if (!input.defined()) return input;
      const int64_t t_in = input.dim(1);
      if ((t_in - 1) % 2)
        return be.fail(Error(Code::InvalidSize,
                             "vae encoder: temporal downsampling needs 1 + 2k frames, got %lld",
                             (long long)t_in));
      Conv3dSpec spec;
      spec.stride[0] = 2;
      Tensor tc = be.conv3d(input, rs.time_conv.weight, &rs.time_conv.bias, spec);  // [C, k, h, w]
      slot.frames = frames(be, input, t_in - 1, t_in);                    // last frame
      return first.defined() ? be.concat({first, tc}, 1) : tc;           // [C, 1 + k | k, h, w]
    }
  }
  return be.fail(Error(Code::Internal, "vae: unknown resample mode"));
}

}  // namespace tsr::vae
