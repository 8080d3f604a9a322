// Wan-VAE: latent statistics and loading (spec/wan21.md §5.2, §5.6).
#include "models/vae.h"

#include "models/vae_parts.h"

namespace tsr {

// Data constants of Wan2.1 (spec §5.2), reproduced exactly.
const float kWanLatentMean[16] = {-0.7571f, -0.7089f, -0.9113f, 0.1075f,  -0.1745f, 0.9653f,
                                  -0.1517f, 1.5508f,  0.4134f,  -0.0715f, 0.5517f,  -0.3632f,
                                  -0.1922f, -0.9497f, 0.2503f,  -0.2921f};
const float kWanLatentStd[16] = {2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f,
                                 2.6052f, 2.0743f, 3.2687f, 2.1526f, 2.8652f, 1.5579f,
                                 1.6382f, 1.1253f, 2.8251f, 1.9160f};

StatusOr<std::unique_ptr<WanVae>> WanVae::load(const WeightStore& weights, const VaeConfig& cfg,
                                               Backend& be, bool decoder_only) {
  TSR_RETURN_IF_ERROR(cfg.validate());
  std::unique_ptr<WanVae> model(new WanVae(cfg, be));
  auto w = std::make_shared<Weights>();
  WeightBinder binder(weights, be, "vae");
  vae::bind_weights(binder, cfg, !decoder_only, *w);
  TSR_RETURN_IF_ERROR(binder.finish());
  TSR_RETURN_IF_ERROR(be.status().with_context("loading vae"));
  model->w_ = std::move(w);
  model->params_ = binder.params();
  model->has_encoder_ = !decoder_only;
  return model;
}

}  // namespace tsr
