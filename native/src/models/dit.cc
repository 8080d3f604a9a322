// WanDit: loading, per-generation text preparation and the forward pass (spec/wan21.md §3).
#include "models/dit.h"

#include <cmath>
#include <cstring>
#include <string>

#include "models/dit_parts.h"

namespace tsr {

struct WanDit::Weights : dit::Weights {};

namespace {

constexpr int kMaxRopePositions = 1024;  // RoPE tables cover positions 0..1023 per axis

Status check_plan(const AttnPlan& plan, const DitConfig& cfg) {
  for (int a = 0; a < 3; ++a)
    if (plan.tile[a] < 1)
      return Error(Code::InvalidArgument, "attention plan: tile sizes must be positive");
  if (plan.layers.empty()) return OkStatus();
  if (int(plan.layers.size()) != cfg.num_layers)
    return Error(Code::InvalidArgument, "attention plan has %zu layers, the model has %d",
                 plan.layers.size(), cfg.num_layers);
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    const auto& heads = plan.layers[l];
    if (!heads.empty() && int(heads.size()) != cfg.num_heads)
      return Error(Code::InvalidArgument, "attention plan layer %zu has %zu heads, the model has %d",
                   l, heads.size(), cfg.num_heads);
    for (const HeadPattern& h : heads) {
      if (h.kind == AttnPattern::Sta && (h.window[0] < 1 || h.window[1] < 1 || h.window[2] < 1))
        return Error(Code::InvalidArgument, "attention plan layer %zu: STA windows must be >= 1", l);
      if (h.kind == AttnPattern::Tile && h.global_frames < 0)
        return Error(Code::InvalidArgument, "attention plan layer %zu: negative global frames", l);
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<WanDit>> WanDit::load(const WeightStore& weights, const DitConfig& cfg,
                                               Backend& be) {
  TSR_RETURN_IF_ERROR(cfg.validate());
  std::unique_ptr<WanDit> model(new WanDit(cfg, be));
  auto w = std::make_shared<Weights>();
  WeightBinder binder(weights, be, "dit");
  dit::bind_weights(binder, cfg, *w);
  TSR_RETURN_IF_ERROR(binder.finish());
  TSR_RETURN_IF_ERROR(be.status().with_context("loading dit"));
  model->w_ = std::move(w);
  model->params_ = binder.params();
  return model;
}

StatusOr<DitTextCache> WanDit::prepare_text(const Tensor& context) const {
  const DitConfig& c = cfg_;
  if (!context.defined() || context.device() != DeviceKind::Cpu || context.dtype() != DType::F32 ||
      context.ndim() != 2 || context.dim(1) != c.text_dim)
    return Error(Code::ShapeMismatch, "dit: context must be host float32 [L, %d], got %s",
                 c.text_dim, shape_str(context.shape()).c_str());
  if (context.dim(0) > c.text_len)
    return Error(Code::InvalidArgument, "dit: context has %lld rows, more than text_len %d",
                 (long long)context.dim(0), c.text_len);
  TSR_RETURN_IF_ERROR(be_.status());

  // Zero rows after the real ones up to text_len; they are embedded and attended (no mask).
  Tensor padded = host_zeros(DType::F32, {c.text_len, c.text_dim});
  if (!padded.defined()) return Error(Code::OutOfMemory, "dit: text context");
  std::memcpy(padded.data(), context.data(), context.nbytes());

  const dit::Weights& w = *w_;
  Tensor ctx = be_.from_host(padded);                                             // [S, text_dim]
  Tensor ctx_h = be_.linear(ctx, w.text_embedding0.weight, &w.text_embedding0.bias,
                            Act::GeluTanh);                                       // [S, D]
  Tensor text = be_.linear(ctx_h, w.text_embedding2.weight, &w.text_embedding2.bias);  // [S, D]

  DitTextCache cache;
  for (int i = 0; i < c.num_layers; ++i) {
    const dit::Attention& ca = w.blocks[size_t(i)].cross_attn;
    Tensor k_lin = be_.linear(text, ca.k.weight, &ca.k.bias);  // [S, D]
    cache.k.push_back(be_.rms_norm(k_lin, ca.norm_k, c.eps));  // [S, D]
    cache.v.push_back(be_.linear(text, ca.v.weight, &ca.v.bias));  // [S, D]
  }
  TSR_RETURN_IF_ERROR(be_.status().with_context("dit text embedding"));
  return cache;
}

StatusOr<Tensor> WanDit::forward(const Tensor& x, double t, const DitTextCache& text,
                                 const AttnPlan* plan, SelfAttentionObserver* observer) const {
  const DitConfig& c = cfg_;
  if (!x.defined() || x.device() != DeviceKind::Cpu || x.ndim() != 4 || x.dim(0) != c.in_dim)
    return Error(Code::ShapeMismatch, "dit: latent must be host [%d, F, H, W], got %s", c.in_dim,
                 shape_str(x.shape()).c_str());
  int grid[3];
  for (int a = 0; a < 3; ++a) {
    int64_t extent = x.dim(a + 1);
    if (extent < 1 || extent % c.patch[a])
      return Error(Code::InvalidSize, "dit: latent %s is not divisible by the patch size [%d, %d, %d]",
                   shape_str(x.shape()).c_str(), c.patch[0], c.patch[1], c.patch[2]);
    if (extent / c.patch[a] > kMaxRopePositions)
      return Error(Code::InvalidSize, "dit: patch grid axis %d has %lld positions (at most %d)", a,
                   (long long)(extent / c.patch[a]), kMaxRopePositions);
    grid[a] = int(extent / c.patch[a]);
  }
  if (!std::isfinite(t)) return Error(Code::InvalidArgument, "dit: timestep is not finite");
  if (int(text.k.size()) != c.num_layers || int(text.v.size()) != c.num_layers)
    return Error(Code::InvalidArgument, "dit: text cache has %zu layers, the model has %d",
                 text.k.size(), c.num_layers);
  AttnPlan dense;
  if (!plan) plan = &dense;
  TSR_RETURN_IF_ERROR(check_plan(*plan, c));
  TSR_RETURN_IF_ERROR(be_.status());

  const dit::Weights& w = *w_;
  const int D = c.dim;
  Tensor latent = be_.from_host(x);                                        // [C, F, H, W]
  Tensor patches = dit::patchify(be_, latent, c, grid);                    // [L, C·pt·ph·pw]
  Tensor h = be_.linear(patches, w.patch_embedding.weight, &w.patch_embedding.bias);  // [L, D]
  dit::TimeEmbedding time = dit::embed_time(be_, w, c, t);                 // e [1, D], e0 [1, 6D]
  TSR_RETURN_IF_ERROR(be_.status().with_context("dit embeddings"));

  for (int i = 0; i < c.num_layers; ++i) {
    dit::BlockInputs in;
    in.layer = i;
    in.grid = grid;
    in.tile = plan->tile;
    in.heads = plan->layers.empty() ? nullptr : &plan->layers[size_t(i)];
    in.e0 = &time.e0;
    in.text_k = &text.k[size_t(i)];
    in.text_v = &text.v[size_t(i)];
    in.observer = observer;
    dit::block_forward(be_, w.blocks[size_t(i)], c, in, h);               // [L, D]
    TSR_RETURN_IF_ERROR(be_.status().with_context("dit block " + std::to_string(i)));
  }

  // Head: modulation from e (not e0), whole head in float32.
  Tensor e = time.e.reshape({D});                                          // [D]
  Tensor shift = be_.add(dit::chunk(be_, w.head_modulation, 0, D), e);    // [D]
  Tensor scale = be_.add(dit::chunk(be_, w.head_modulation, 1, D), e);    // [D]
  Tensor head_in = be_.layer_norm_modulate(h, shift, scale, c.eps);       // [L, D]
  Tensor out = be_.linear(head_in, w.head.weight, &w.head.bias);          // [L, out·pt·ph·pw]
  Tensor velocity = dit::unpatchify(be_, out, c, grid);                   // [out_dim, F, H, W]
  Tensor host = be_.to_host(velocity);
  TSR_RETURN_IF_ERROR(be_.status().with_context("dit head"));
  if (!host.defined()) return Error(Code::OutOfMemory, "dit: output");
  return host;
}

}  // namespace tsr
