// Wan2.1 DiT (WanModel, t2v), spec/wan21.md §3. Weights are bound by their official names.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "io/weights.h"
#include "models/configs.h"

namespace tsr {

// Sparse pattern of every self-attention head for one denoising step.
struct AttnPlan {
  int tile[3] = {6, 8, 8};
  std::vector<std::vector<HeadPattern>> layers;  // [num_layers][num_heads]; empty = all dense
};

// Sees every self-attention call (q and k after RoPE), e.g. to export attention maps or to
// measure windowed-vs-dense error during calibration. Runs on the generating thread.
class SelfAttentionObserver {
 public:
  virtual ~SelfAttentionObserver() = default;
  virtual void on_self_attention(Backend& be, int layer, const Tensor& q, const Tensor& k,
                                 const Tensor& v, const AttnSpec& spec, const Tensor& out) = 0;
};

// Text conditioning prepared once per generation: the embedded context and each block's
// cross-attention K and V.
struct DitTextCache {
  std::vector<Tensor> k, v;  // per layer, [text_len, dim] on the backend
};

class WanDit {
 public:
  static StatusOr<std::unique_ptr<WanDit>> load(const WeightStore& weights, const DitConfig& cfg,
                                                Backend& be);
  const DitConfig& config() const { return cfg_; }
  uint64_t params() const { return params_; }

  // context: host float32 [L, text_dim] with L <= text_len (zero-padded to text_len inside).
  StatusOr<DitTextCache> prepare_text(const Tensor& context) const;
  // x: host float32 latent [in_dim, F, H, W]; t: timestep as given (not rounded).
  // Returns host float32 velocity [out_dim, F, H, W].
  StatusOr<Tensor> forward(const Tensor& x, double t, const DitTextCache& text,
                           const AttnPlan* plan = nullptr,
                           SelfAttentionObserver* observer = nullptr) const;

 private:
  WanDit(const DitConfig& cfg, Backend& be) : cfg_(cfg), be_(be) {}
  struct Weights;
  DitConfig cfg_;
  Backend& be_;
  std::shared_ptr<Weights> w_;
  uint64_t params_ = 0;
};

}  // namespace tsr
