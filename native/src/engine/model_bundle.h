// A loaded model: DiT and VAE decoder resident on the backend, the umT5 encoder loaded on demand
// (and freed after each encoding unless keep_text_encoder), configs, latent statistics, the
// folder's tessera.json defaults and the fitted preview projection. On a small GPU the DiT's
// weights may leave the backend while the VAE decodes (DitResidency) and come back for the next
// generation.
#pragma once

#include <atomic>
#include <functional>
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

// Whether the DiT's weights stay on the backend while the VAE decodes. Auto releases them for
// the decode when the memory estimate says that stage does not fit beside them (an 8 GiB GPU at
// 480p) and keeps them otherwise; a released DiT is loaded again by the next generation.
enum class DitResidency { Auto, Kept, ReleasedForDecode };

struct BundleOptions {
  bool keep_text_encoder = false;
  bool fit_preview = true;  // fit the latent->RGB preview projection at load time
  DitResidency dit_residency = DitResidency::Auto;
};

// Where a bundle's parts come from without a model folder (benchmarks and tests: in-memory
// random weights of the real configs). Each opener returns a store with the official key names;
// the DiT's is opened again when its weights are reloaded, the text encoder's per generation.
struct BundleSource {
  using Opener = std::function<StatusOr<std::shared_ptr<WeightStore>>()>;
  DitConfig dit;
  VaeConfig vae;
  T5Config t5;
  std::string tessera_json;  // text of a tessera.json; "" for none
  Opener dit_weights, vae_weights, t5_weights;
};
// An opener that hands out a store that is already open.
BundleSource::Opener fixed_store(std::shared_ptr<WeightStore> store);

class ModelBundle {
 public:
  // Errors: NotFound (not a model folder: the message lists what is missing), CorruptFile,
  // MissingKey / UnexpectedKey / ShapeMismatch (weights that do not fit the config),
  // OutOfMemory.
  static StatusOr<std::unique_ptr<ModelBundle>> load(Backend& be, const std::string& dir,
                                                     const BundleOptions& opts);
  // The same from configs and stores (folder() is then empty). Errors as above; InvalidArgument
  // when an opener is missing.
  static StatusOr<std::unique_ptr<ModelBundle>> load(Backend& be, BundleSource source, const BundleOptions& opts);

  Backend& backend() const { return be_; }
  const ModelFolder& folder() const { return folder_; }
  const AppConfig& app() const { return app_; }
  const DitConfig& dit_config() const { return dit_cfg_; }
  const T5Config& t5_config() const { return t5_cfg_; }
  const VaeConfig& vae_config() const { return vae_->config(); }
  // Valid while dit_loaded(): always between generations unless release_dit() was called;
  // prepare_run() loads it again.
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
  DitResidency dit_residency() const { return opts_.dit_residency; }
  bool dit_loaded() const { return dit_resident_; }

  // The umT5 encoder, loaded now if it is not resident.
  StatusOr<const UmT5Encoder*> text_encoder();
  // Frees the encoder's backend memory unless keep_text_encoder.
  void release_text_encoder();
  // Frees the DiT's backend memory (generate() does so before decoding when the run's memory
  // plan says so); load_dit() binds its weights again from the source, a no-op when loaded.
  void release_dit();
  Status load_dit();

  // Inputs of estimate_memory() for this model on its backend.
  MemoryInputs memory_inputs() const;

 private:
  ModelBundle(Backend& be, BundleOptions opts) : be_(be), opts_(opts) {}
  static StatusOr<std::unique_ptr<ModelBundle>> build(Backend& be, BundleSource source, ModelFolder folder,
                                                      const BundleOptions& opts);
  Backend& be_;
  BundleOptions opts_;
  ModelFolder folder_;
  BundleSource source_;
  AppConfig app_;
  DitConfig dit_cfg_;
  T5Config t5_cfg_;
  std::unique_ptr<WanDit> dit_;
  std::unique_ptr<WanVae> vae_;
  std::unique_ptr<UmT5Encoder> t5_;
  std::atomic<bool> t5_resident_{false};  // read by memory estimates while a job runs
  std::atomic<bool> dit_resident_{false};
  std::vector<float> mean_, std_;
  PreviewProjection preview_;
  std::string weight_dtype_ = "f32";
  uint64_t dit_params_ = 0, t5_params_ = 0, vae_params_ = 0;
  uint64_t dit_bytes_ = 0, vae_bytes_ = 0;  // backend bytes of the weights on a GPU; 0 on the CPU
};

}  // namespace tsr
