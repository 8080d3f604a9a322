// Internals of the Wan2.1 DiT shared by its source files: the bound parameters (named as in
// the checkpoint) and the stages of the forward pass (spec/wan21.md §3).
#pragma once

#include <vector>

#include "backend/backend.h"
#include "io/weights.h"
#include "models/configs.h"
#include "models/dit.h"

namespace tsr::dit {

struct Linear {
  Tensor weight;  // [out, in]
  Tensor bias;    // [out]
};

struct Attention {  // self_attn / cross_attn
  Linear q, k, v, o;
  Tensor norm_q, norm_k;  // [dim] RMSNorm gains over the whole dim (all heads)
};

struct Block {  // blocks.{i}
  Tensor modulation;  // [6, dim]: shift_sa, scale_sa, gate_sa, shift_ffn, scale_ffn, gate_ffn
  Attention self_attn;
  Tensor norm3_w, norm3_b;  // affine LayerNorm before cross-attention
  Attention cross_attn;
  Linear ffn0, ffn2;  // dim -> ffn_dim (GELU-tanh) -> dim
};

struct Weights {
  Linear patch_embedding;  // weight viewed as [dim, in_dim*pt*ph*pw] (conv as GEMM)
  Linear text_embedding0, text_embedding2;
  Linear time_embedding0, time_embedding2;
  Linear time_projection1;  // dim -> 6*dim
  std::vector<Block> blocks;
  Tensor head_modulation;  // [2, dim]: shift, scale
  Linear head;             // [out_dim*pt*ph*pw, dim]
};

// Binds every tensor of the official WanModel state dict (spec §4.1).
void bind_weights(WeightBinder& binder, const DitConfig& cfg, Weights& w);

// Time conditioning of one forward pass.
struct TimeEmbedding {
  Tensor e;   // [1, dim]   time_embedding output (used by the head)
  Tensor e0;  // [1, 6*dim] time_projection output (shared by all blocks)
};

// Sinusoid of width freq_dim in float64 (cos half first), cast to float32: host [1, freq_dim].
Tensor sinusoid_host(int freq_dim, double t);
TimeEmbedding embed_time(Backend& be, const Weights& w, const DitConfig& cfg, double t);

// x [in_dim, F, H, W] -> tokens [F'·H'·W', in_dim·pt·ph·pw] (channel slowest, then pt, ph, pw).
Tensor patchify(Backend& be, const Tensor& x, const DitConfig& cfg, const int grid[3]);
// tokens [F'·H'·W', out_dim·pt·ph·pw] (channel fastest) -> [out_dim, F, H, W].
Tensor unpatchify(Backend& be, const Tensor& tokens, const DitConfig& cfg, const int grid[3]);

// Row j of a [1, n·dim] vector as a [dim] vector.
Tensor chunk(Backend& be, const Tensor& v, int j, int dim);

struct BlockInputs {
  int layer = 0;
  const int* grid = nullptr;                       // patch grid (t, h, w)
  const int* tile = nullptr;                       // STA tile size
  const std::vector<HeadPattern>* heads = nullptr;  // null or empty: dense
  const Tensor* e0 = nullptr;                      // [1, 6*dim]
  const Tensor* text_k = nullptr;                  // [text_len, dim] (norm_k applied)
  const Tensor* text_v = nullptr;                  // [text_len, dim]
  SelfAttentionObserver* observer = nullptr;
};

// One transformer block applied in place to the residual stream x [L, dim].
void block_forward(Backend& be, const Block& b, const DitConfig& cfg, const BlockInputs& in,
                   Tensor& x);

}  // namespace tsr::dit
