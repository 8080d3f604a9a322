// umT5 encoder (Wan's T5Encoder), spec/wan21.md §6.2: pre-norm blocks with T5 RMS norms,
// unscaled attention with a learned relative position bias per layer (or one shared table)
// and a key mask for pads, gated-GELU feed-forward, final norm. No biases anywhere.
#include "models/t5.h"

#include <string>

namespace tsr {

struct UmT5Encoder::Weights {
  struct Layer {  // blocks.{l}
    Tensor norm1, norm2;        // [dim]
    Tensor q, k, v;             // [dim_attn, dim]
    Tensor o;                   // [dim, dim_attn]
    Tensor pos_embedding;       // [num_buckets, num_heads] (undefined when shared)
    Tensor ffn_gate, ffn_fc1;   // [dim_ffn, dim]: gate.0 is the GELU branch, fc1 the linear one
    Tensor ffn_fc2;             // [dim, dim_ffn]
    // Streamed: the matrices above stay host tensors until the layer runs.
  };
  Tensor token_embedding;       // [vocab, dim]; a host tensor when streamed
  Tensor shared_pos_embedding;  // [num_buckets, num_heads] when shared_pos
  std::vector<Layer> layers;
  Tensor norm;                  // [dim]
};

namespace {
constexpr float kT5Eps = 1e-6f;

// Rows `ids` of a host [vocab, dim] table (any float dtype) as a host float32 [S, dim].
Tensor gather_rows(const Tensor& table, const std::vector<int32_t>& ids) {
  const int64_t dim = table.dim(1);
  Tensor out = host_empty(DType::F32, {int64_t(ids.size()), dim});
  if (!out.defined()) return out;
  const size_t row_bytes = size_t(dim) * dtype_size(table.dtype());
  for (size_t i = 0; i < ids.size(); ++i)
    convert_to_f32(static_cast<const char*>(table.data()) + size_t(ids[i]) * row_bytes, table.dtype(),
                   out.data_as<float>() + i * size_t(dim), size_t(dim));
  return out;
}
}  // namespace

StatusOr<std::unique_ptr<UmT5Encoder>> UmT5Encoder::load(const WeightStore& weights,
                                                         const T5Config& cfg, Backend& be,
                                                         T5Residency residency) {
  TSR_RETURN_IF_ERROR(cfg.validate());
  std::unique_ptr<UmT5Encoder> model(new UmT5Encoder(cfg, be));
  model->residency_ = residency;
  const bool streamed = residency == T5Residency::Streamed;
  auto w = std::make_shared<Weights>();
  WeightBinder b(weights, be, "t5");
  const int64_t D = cfg.dim, A = cfg.dim_attn, F = cfg.dim_ffn;
  const Shape pos_shape = {cfg.num_buckets, cfg.num_heads};
  // Large tensors: on the backend now, or host views uploaded per encode when streamed.
  auto big = [&](const std::string& name, const Shape& shape, WeightKind kind) {
    return streamed ? b.take_host(name, shape) : b.take(name, shape, kind);
  };
  // The encoder's logits are unscaled, so its matrices keep the checkpoint's precision.
  const WeightKind matrix = WeightKind::PreciseMatrix;
  w->token_embedding = big("token_embedding.weight", {cfg.vocab, D}, WeightKind::Embedding);
  if (cfg.shared_pos)
    w->shared_pos_embedding = b.take("pos_embedding.embedding.weight", pos_shape, WeightKind::Vector);
  w->layers.resize(size_t(cfg.num_layers));
  for (int l = 0; l < cfg.num_layers; ++l) {
    const std::string p = "blocks." + std::to_string(l);
    Weights::Layer& L = w->layers[size_t(l)];
    L.norm1 = b.take(p + ".norm1.weight", {D}, WeightKind::Vector);
    L.q = big(p + ".attn.q.weight", {A, D}, matrix);
    L.k = big(p + ".attn.k.weight", {A, D}, matrix);
    L.v = big(p + ".attn.v.weight", {A, D}, matrix);
    L.o = big(p + ".attn.o.weight", {D, A}, matrix);
    if (!cfg.shared_pos)
      L.pos_embedding = b.take(p + ".pos_embedding.embedding.weight", pos_shape, WeightKind::Vector);
    L.norm2 = b.take(p + ".norm2.weight", {D}, WeightKind::Vector);
    L.ffn_gate = big(p + ".ffn.gate.0.weight", {F, D}, matrix);
    L.ffn_fc1 = big(p + ".ffn.fc1.weight", {F, D}, matrix);
    L.ffn_fc2 = big(p + ".ffn.fc2.weight", {D, F}, matrix);
  }
  w->norm = b.take("norm.weight", {D}, WeightKind::Vector);
  TSR_RETURN_IF_ERROR(b.finish());
  TSR_RETURN_IF_ERROR(be.status().with_context("loading t5"));
  model->w_ = std::move(w);
  model->params_ = b.params();
  return model;
}

StatusOr<Tensor> UmT5Encoder::encode(const std::vector<int32_t>& ids, int real_len) const {
  const T5Config& c = cfg_;
  const int S = int(ids.size());
  if (S < 1) return Error(Code::InvalidArgument, "t5: no tokens");
  if (real_len < 1 || real_len > S)
    return Error(Code::InvalidArgument, "t5: real length %d outside [1, %d]", real_len, S);
  for (int i = 0; i < S; ++i)
    if (ids[size_t(i)] < 0 || ids[size_t(i)] >= c.vocab)
      return Error(Code::InvalidArgument, "t5: token id %d at position %d is outside [0, %d)",
                   ids[size_t(i)], i, c.vocab);
  TSR_RETURN_IF_ERROR(be_.status());

  const Weights& w = *w_;
  const bool streamed = residency_ == T5Residency::Streamed;
  Tensor x = streamed ? be_.from_host(gather_rows(w.token_embedding, ids))  // [S, dim]
                      : be_.embedding(w.token_embedding, ids);
  for (int l = 0; l < c.num_layers; ++l) {
    const Weights::Layer& H = w.layers[size_t(l)];
    // Streamed: this layer's matrices go to the device now and are freed after the layer.
    Weights::Layer uploaded;
    if (streamed) {
      uploaded = H;
      for (Tensor* t : {&uploaded.q, &uploaded.k, &uploaded.v, &uploaded.o, &uploaded.ffn_gate, &uploaded.ffn_fc1,
                        &uploaded.ffn_fc2})
        *t = be_.upload(*t, WeightKind::PreciseMatrix);
    }
    const Weights::Layer& L = streamed ? uploaded : H;
    // ---- self-attention: logits q·kᵀ + bias[bucket(j − i), h], pad keys masked, no scaling
    Tensor norm1 = be_.rms_norm(x, L.norm1, kT5Eps);  // [S, dim]
    // float32 projections: unscaled logits amplify any rounding of q and k.
    Tensor q = be_.linear_f32(norm1, L.q, nullptr);    // [S, dim_attn]
    Tensor k = be_.linear_f32(norm1, L.k, nullptr);    // [S, dim_attn]
    Tensor v = be_.linear_f32(norm1, L.v, nullptr);    // [S, dim_attn]
    AttnSpec spec;
    spec.heads = c.num_heads;
    spec.head_dim = c.head_dim();
    spec.scale = 1.0f;
    spec.key_len = real_len;
    spec.rel_bias = c.shared_pos ? &w.shared_pos_embedding : &L.pos_embedding;
    spec.num_buckets = c.num_buckets;
    spec.max_distance = c.max_distance;
    Tensor attn = be_.attention(q, k, v, spec);              // [S, dim_attn]
    be_.linear_residual_(x, attn, L.o, nullptr, nullptr);    // x += attn · Woᵀ

    // ---- gated-GELU feed-forward: fc2( fc1(f) ⊙ gelu_tanh(gate(f)) )
    Tensor norm2 = be_.rms_norm(x, L.norm2, kT5Eps);                   // [S, dim]
    Tensor gate = be_.linear_f32(norm2, L.ffn_gate, nullptr, Act::GeluTanh);  // [S, dim_ffn]
    Tensor fc1 = be_.linear_f32(norm2, L.ffn_fc1, nullptr);                // [S, dim_ffn]
    Tensor hidden = be_.mul(fc1, gate);                                // [S, dim_ffn]
    be_.linear_residual_(x, hidden, L.ffn_fc2, nullptr, nullptr);      // x += hidden · W2ᵀ
    TSR_RETURN_IF_ERROR(be_.status().with_context("t5 layer " + std::to_string(l)));
  }
  Tensor out = be_.rms_norm(x, w.norm, kT5Eps);  // [S, dim]
  Tensor host = be_.to_host(out);
  TSR_RETURN_IF_ERROR(be_.status().with_context("t5 final norm"));
  if (!host.defined()) return Error(Code::OutOfMemory, "t5: output");
  return host;
}

}  // namespace tsr
