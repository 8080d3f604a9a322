// A loaded model: DiT and VAE decoder resident on the backend, the umT5 encoder loaded on demand
// (and freed after each encoding unless keep_text_encoder), configs, latent statistics, the
// folder's tessera.json defaults and the fitted preview projection.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "engine/app_config.h"
#include "engine/memory_estimate.h"
#include "engine/preview.h"
#include "io/model_folder.h"
#include "models/dit.h"
#include "models/t5.h"
#include "models/vae.h"

namespace tsr {

struct BundleOptions {
  bool keep_text_encoder = false;
  bool fit_preview = true;  // fit the latent->RGB preview projection at load time
};

class ModelBundle {
 public:
  // Errors: NotFound (not a model folder: the message lists what is missing), CorruptFile,
  // MissingKey / UnexpectedKey / ShapeMismatch (weights that do not fit the config),
  // OutOfMemory.
  static StatusOr<std::unique_ptr<ModelBundle>> load(Backend& be, const std::string& dir,
                                                     const BundleOptions& opts);

  Backend& backend() const { return be_; }
  const ModelFolder& folder() const { return folder_; }
  const AppConfig& app() const { return app_; }
  const DitConfig& dit_config() const { return dit_->config(); }
  const T5Config& t5_config() const { return t5_cfg_; }
  const VaeConfig& vae_config() const { return vae_->config(); }
  const WanDit& dit() const { return *dit_; }
  const WanVae& vae() const { return *vae_; }
  const float* latent_mean() const { return mean_.data(); }
  const float* latent_std() const { return std_.data(); }
  const PreviewProjection& preview() const { return preview_; }
  const std::string& weight_dtype() const { return weight_dtype_; }  // "f32", "bf16", "f16"
  uint64_t dit_params() const { return dit_params_; }
  uint64_t t5_params() const { return t5_params_; }
  uint64_t vae_params() const { return vae_params_; }
  bool keep_text_encoder() const { return opts_.keep_text_encoder; }
  bool text_encoder_loaded() const { return t5_resident_; }

  // The umT5 encoder, loaded now if it is not resident.
  StatusOr<const UmT5Encoder*> text_encoder();
  // Frees the encoder's backend memory unless keep_text_encoder.
  void release_text_encoder();

  // Inputs of estimate_memory() for this model on its backend.
  MemoryInputs memory_inputs() const;

 private:
  ModelBundle(Backend& be, BundleOptions opts) : be_(be), opts_(opts) {}
  Backend& be_;
  BundleOptions opts_;
  ModelFolder folder_;
  AppConfig app_;
  T5Config t5_cfg_;
  std::unique_ptr<WanDit> dit_;
  std::unique_ptr<WanVae> vae_;
  std::unique_ptr<UmT5Encoder> t5_;
  std::atomic<bool> t5_resident_{false};  // read by memory estimates while a job runs
  std::vector<float> mean_, std_;
  PreviewProjection preview_;
  std::string weight_dtype_ = "f32";
  uint64_t dit_params_ = 0, t5_params_ = 0, vae_params_ = 0;
};

}  // namespace tsr
