// Binding of the WanModel state dict by official key and shape (spec/wan21.md §4.1).
#include <string>

#include "models/dit_parts.h"

namespace tsr::dit {
namespace {

Linear take_linear(WeightBinder& b, const std::string& name, int64_t out, int64_t in) {
  return {b.take(name + ".weight", {out, in}, WeightKind::Matrix),
          b.take(name + ".bias", {out}, WeightKind::Vector)};
}

Attention take_attention(WeightBinder& b, const std::string& name, int64_t dim) {
  Attention a;
  a.q = take_linear(b, name + ".q", dim, dim);
  a.k = take_linear(b, name + ".k", dim, dim);
  a.v = take_linear(b, name + ".v", dim, dim);
  a.o = take_linear(b, name + ".o", dim, dim);
  a.norm_q = b.take(name + ".norm_q.weight", {dim}, WeightKind::Vector);
  a.norm_k = b.take(name + ".norm_k.weight", {dim}, WeightKind::Vector);
  return a;
}

}  // namespace

void bind_weights(WeightBinder& b, const DitConfig& cfg, Weights& w) {
  const int64_t D = cfg.dim, F = cfg.ffn_dim;
  const int64_t pt = cfg.patch[0], ph = cfg.patch[1], pw = cfg.patch[2];
  const int64_t patch_in = int64_t(cfg.in_dim) * pt * ph * pw;
  const int64_t patch_out = int64_t(cfg.out_dim) * pt * ph * pw;

  // Conv3d(in_dim, D, kernel = stride = patch) is a GEMM over flattened patches.
  Tensor patch_w = b.take("patch_embedding.weight", {D, cfg.in_dim, pt, ph, pw}, WeightKind::Matrix);
  w.patch_embedding.weight = patch_w.defined() ? patch_w.reshape({D, patch_in}) : Tensor();
  w.patch_embedding.bias = b.take("patch_embedding.bias", {D}, WeightKind::Vector);

  w.text_embedding0 = take_linear(b, "text_embedding.0", D, cfg.text_dim);
  w.text_embedding2 = take_linear(b, "text_embedding.2", D, D);
  w.time_embedding0 = take_linear(b, "time_embedding.0", D, cfg.freq_dim);
  w.time_embedding2 = take_linear(b, "time_embedding.2", D, D);
  w.time_projection1 = take_linear(b, "time_projection.1", 6 * D, D);

  w.blocks.resize(size_t(cfg.num_layers));
  for (int i = 0; i < cfg.num_layers; ++i) {
    const std::string p = "blocks." + std::to_string(i);
    Block& blk = w.blocks[size_t(i)];
    Tensor mod = b.take(p + ".modulation", {1, 6, D}, WeightKind::Vector);
    blk.modulation = mod.defined() ? mod.reshape({1, 6 * D}) : Tensor();
    blk.self_attn = take_attention(b, p + ".self_attn", D);
    blk.norm3_w = b.take(p + ".norm3.weight", {D}, WeightKind::Vector);
    blk.norm3_b = b.take(p + ".norm3.bias", {D}, WeightKind::Vector);
    blk.cross_attn = take_attention(b, p + ".cross_attn", D);
    blk.ffn0 = take_linear(b, p + ".ffn.0", F, D);
    blk.ffn2 = take_linear(b, p + ".ffn.2", D, F);
  }

  Tensor head_mod = b.take("head.modulation", {1, 2, D}, WeightKind::Vector);
  w.head_modulation = head_mod.defined() ? head_mod.reshape({1, 2 * D}) : Tensor();
  w.head = take_linear(b, "head.head", patch_out, D);
}

}  // namespace tsr::dit
