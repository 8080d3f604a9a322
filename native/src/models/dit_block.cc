// One WanAttentionBlock (spec/wan21.md §3.4): modulated self-attention with RoPE and the
// step's sparse pattern, un-gated cross-attention on the cached text K/V, modulated FFN.
#include "models/dit_parts.h"

namespace tsr::dit {

void block_forward(Backend& be, const Block& b, const DitConfig& cfg, const BlockInputs& in,
                   Tensor& x) {
  const int D = cfg.dim, n = cfg.num_heads, d = cfg.head_dim();
  const float eps = cfg.eps;

  // M = modulation + e0, six [dim] vectors.
  Tensor mod = be.add(b.modulation, *in.e0);                          // [1, 6D]
  Tensor shift_sa = chunk(be, mod, 0, D), scale_sa = chunk(be, mod, 1, D);
  Tensor gate_sa = chunk(be, mod, 2, D);
  Tensor shift_ffn = chunk(be, mod, 3, D), scale_ffn = chunk(be, mod, 4, D);
  Tensor gate_ffn = chunk(be, mod, 5, D);

  // ---- self-attention
  const Attention& sa = b.self_attn;
  Tensor norm1 = be.layer_norm_modulate(x, shift_sa, scale_sa, eps);  // [L, D]
  Tensor q_lin = be.linear(norm1, sa.q.weight, &sa.q.bias);          // [L, D]
  Tensor k_lin = be.linear(norm1, sa.k.weight, &sa.k.bias);          // [L, D]
  Tensor q = be.rms_norm(q_lin, sa.norm_q, eps);                     // [L, D] over all heads
  Tensor k = be.rms_norm(k_lin, sa.norm_k, eps);                     // [L, D]
  Tensor v = be.linear(norm1, sa.v.weight, &sa.v.bias);              // [L, D]
  if (q.defined()) be.rope3d_(q, n, d, in.grid);                     // [L, n·d]
  if (k.defined()) be.rope3d_(k, n, d, in.grid);                     // [L, n·d]
  AttnSpec spec;
  spec.heads = n;
  spec.head_dim = d;
  for (int a = 0; a < 3; ++a) {
    spec.grid[a] = in.grid[a];
    spec.tile[a] = in.tile[a];
  }
  if (in.heads) spec.per_head = *in.heads;
  Tensor attn = be.attention(q, k, v, spec);                         // [L, D]
  if (in.observer && attn.defined())
    in.observer->on_self_attention(be, in.layer, q, k, v, spec, attn);
  be.linear_residual_(x, attn, sa.o.weight, &sa.o.bias, &gate_sa);   // x += o(attn) ⊙ gate_sa

  // ---- cross-attention (no modulation, no gate, no RoPE, no key mask)
  const Attention& ca = b.cross_attn;
  Tensor norm3 = be.layer_norm(x, &b.norm3_w, &b.norm3_b, eps);      // [L, D]
  Tensor cq_lin = be.linear(norm3, ca.q.weight, &ca.q.bias);         // [L, D]
  Tensor cq = be.rms_norm(cq_lin, ca.norm_q, eps);                   // [L, D]
  AttnSpec cross;
  cross.heads = n;
  cross.head_dim = d;
  Tensor cattn = be.attention(cq, *in.text_k, *in.text_v, cross);    // [L, D] over text_len keys
  be.linear_residual_(x, cattn, ca.o.weight, &ca.o.bias, nullptr);   // x += o(cattn)

  // ---- feed-forward
  Tensor norm2 = be.layer_norm_modulate(x, shift_ffn, scale_ffn, eps);  // [L, D]
  Tensor ffn_h = be.linear(norm2, b.ffn0.weight, &b.ffn0.bias, Act::GeluTanh);  // [L, ffn_dim]
  be.linear_residual_(x, ffn_h, b.ffn2.weight, &b.ffn2.bias, &gate_ffn);  // x += ffn ⊙ gate_ffn
}

}  // namespace tsr::dit
