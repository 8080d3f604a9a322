// Internals of the Wan-VAE shared by its source files: the bound modules (named as in the
// checkpoint, spec/wan21.md §5.6) and the chunk-wise forward of each building block (§5.3).
//
// Both directions run over temporal chunks with explicit caches: every causal k3 conv keeps
// the last 2 input frames of the previous chunk, every temporal resample keeps its state.
// A chunk may hold any number of frames, so one pass over the whole sequence and the
// reference's one-latent-frame chunks use the same code (and must agree).
#pragma once

#include <deque>
#include <vector>

#include "backend/backend.h"
#include "io/weights.h"
#include "models/configs.h"
#include "models/vae.h"

namespace tsr::vae {

// CausalConv3d: zero (or cached) padding of kt−1 frames in front, k/2 on both spatial sides.
struct CausalConv3d {
  Tensor weight;  // [out, in, kt, kh, kw]
  Tensor bias;    // [out]
  int kt = 1, kh = 1, kw = 1;
};

struct ResidualBlock {  // residual.{0,2,3,6} (+ shortcut when in != out)
  Tensor gamma_a;       // [in]  residual.0 RMS_norm
  CausalConv3d conv_a;  // residual.2, in -> out, k3
  Tensor gamma_b;       // [out] residual.3 RMS_norm
  CausalConv3d conv_b;  // residual.6, out -> out, k3
  bool has_shortcut = false;
  CausalConv3d shortcut;  // 1x1x1, in -> out
};

struct AttentionBlock {  // middle.1: single-head attention over h·w, per frame
  Tensor gamma;          // [C]
  Tensor to_qkv_w, to_qkv_b;  // [3C, C], [3C]
  Tensor proj_w, proj_b;      // [C, C], [C]
};

enum class ResampleMode { Up2d, Up3d, Down2d, Down3d };

struct Resample {
  ResampleMode mode = ResampleMode::Up2d;
  Tensor conv_w, conv_b;  // resample.1: Conv2d 3x3 viewed as [out, in, 1, 3, 3]
  CausalConv3d time_conv; // Up3d: C -> 2C (3,1,1) causal; Down3d: C -> C (3,1,1) stride 2
};

struct Layer {  // one entry of decoder.upsamples / encoder.downsamples
  bool is_resample = false;
  ResidualBlock res;
  Resample resample;
};

struct Decoder {
  CausalConv3d conv1;  // z_dim -> dims[0], k3
  ResidualBlock middle0, middle2;
  AttentionBlock middle1;
  std::vector<Layer> upsamples;
  Tensor head_gamma;   // head.0
  CausalConv3d head;   // head.2 -> 3 channels
};

struct Encoder {
  CausalConv3d conv1;  // 3 -> dims[0], k3
  std::vector<Layer> downsamples;
  ResidualBlock middle0, middle2;
  AttentionBlock middle1;
  Tensor head_gamma;   // head.0
  CausalConv3d head;   // head.2 -> 2·z_dim
};

struct Weights {
  CausalConv3d conv1;  // quant conv 2z -> 2z (encoder side)
  CausalConv3d conv2;  // post-quant conv z -> z (decoder side)
  Decoder decoder;
  bool has_encoder = false;
  Encoder encoder;
};

void bind_weights(WeightBinder& b, const VaeConfig& cfg, bool with_encoder, Weights& w);

// Per-chunk state of one cached module; handed out in call order, which is the same for
// every chunk of a pass.
struct Slot {
  bool seen = false;  // temporal resamples: the first chunk's first frame passes through
  Tensor frames;      // last input frames kept for the next chunk
};

class Caches {
 public:
  void start_chunk() { next_ = 0; }
  Slot& next() {
    if (next_ == slots_.size()) slots_.emplace_back();
    return slots_[next_++];
  }

 private:
  std::deque<Slot> slots_;  // stable references while later slots are added
  size_t next_ = 0;
};

// Building blocks on [C, T, H, W] chunks.
Tensor causal_conv(Backend& be, const CausalConv3d& conv, const Tensor& x, Slot* cache);
Tensor residual_block(Backend& be, const ResidualBlock& rb, const Tensor& x, Caches& caches);
Tensor attention_block(Backend& be, const AttentionBlock& ab, const Tensor& x);
Tensor resample(Backend& be, const Resample& rs, const Tensor& x, Caches& caches);

// Decoder on a chunk of post-quant latent frames -> unclamped pixels [3, T', 8h, 8w].
Tensor decoder_forward(Backend& be, const Decoder& dec, const Tensor& x, Caches& caches);
// Encoder on a chunk of pixel frames -> [2·z_dim, T', h, w] (before the quant conv).
Tensor encoder_forward(Backend& be, const Encoder& enc, const Tensor& x, Caches& caches);

}  // namespace tsr::vae

namespace tsr {
// The model object holds the bound modules under its private name.
struct WanVae::Weights : vae::Weights {};
}  // namespace tsr
