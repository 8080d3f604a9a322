#include "engine/model_bundle.h"

#include <atomic>

namespace tsr {

namespace {

// Backend bytes a load leaves allocated. Only for GPUs: the CPU backend uses float32 weights in
// place (mmapped, not counted), so its estimate keeps params x 4.
template <typename Load>
auto measured_load(Backend& be, uint64_t* bytes, Load&& load) {
  const uint64_t before = be.memory().in_use;
  auto out = load();
  const uint64_t after = be.memory().in_use;
  *bytes = be.device() != DeviceKind::Cpu && after > before ? after - before : 0;
  return out;
}

uint64_t count_params(const WeightStore& ws) {
  uint64_t n = 0;
  for (const auto& k : ws.keys()) {
    auto info = ws.info(k);
    if (info.ok()) n += uint64_t(shape_numel(info->shape));
  }
  return n;
}

// dtype of the DiT's matrices, as the checkpoint stores them.
std::string stored_dtype(const WeightStore& ws) {
  const char* probe[] = {"blocks.0.self_attn.q.weight", "patch_embedding.weight"};
  for (const char* k : probe) {
    if (ws.has(k)) {
      auto info = ws.info(k);
      if (info.ok()) return dtype_name(info->dtype);
    }
  }
  auto keys = ws.keys();
  if (!keys.empty()) {
    auto info = ws.info(keys.front());
    if (info.ok()) return dtype_name(info->dtype);
  }
  return "f32";
}

}  // namespace

BundleSource::Opener fixed_store(std::shared_ptr<WeightStore> store) {
  return [store]() -> StatusOr<std::shared_ptr<WeightStore>> { return store; };
}

StatusOr<std::unique_ptr<ModelBundle>> ModelBundle::load(Backend& be, const std::string& dir, const BundleOptions& opts) {
  TSR_ASSIGN_OR_RETURN(ModelFolder f, find_model_folder(dir));
  // Component configs in official argument names; io has already applied the Diffusers
  // translations and tessera.json's "vae"/"t5" overrides ("{}" = Wan2.1's values).
  BundleSource src;
  auto dit_cfg = DitConfig::from_json(f.dit.config);
  if (!dit_cfg.ok()) return dit_cfg.status().with_context("DiT config");
  src.dit = *dit_cfg;
  auto vae_cfg = VaeConfig::from_json(f.vae.config.empty() ? "{}" : f.vae.config);
  if (!vae_cfg.ok()) return vae_cfg.status().with_context("VAE config");
  src.vae = *vae_cfg;
  auto t5_cfg = T5Config::from_json(f.t5.config.empty() ? "{}" : f.t5.config);
  if (!t5_cfg.ok()) return t5_cfg.status().with_context("text encoder config");
  src.t5 = *t5_cfg;
  src.tessera_json = f.tessera_json;
  // Files are opened when each part is loaded (and the mapping dropped afterwards).
  src.dit_weights = [f] { return open_dit_weights(f); };
  src.vae_weights = [f] { return open_vae_weights(f); };
  src.t5_weights = [f] { return open_t5_weights(f); };
  return build(be, std::move(src), std::move(f), opts);
}

StatusOr<std::unique_ptr<ModelBundle>> ModelBundle::load(Backend& be, BundleSource source, const BundleOptions& opts) {
  if (!source.dit_weights || !source.vae_weights || !source.t5_weights)
    return Error(Code::InvalidArgument, "a model source needs the DiT, VAE and text encoder weights");
  return build(be, std::move(source), ModelFolder{}, opts);
}

StatusOr<std::unique_ptr<ModelBundle>> ModelBundle::build(Backend& be, BundleSource source, ModelFolder folder,
                                                          const BundleOptions& opts) {
  std::unique_ptr<ModelBundle> m(new ModelBundle(be, opts));
  m->folder_ = std::move(folder);
  m->source_ = std::move(source);
  const BundleSource& src = m->source_;
  if (!src.tessera_json.empty()) {
    auto app = parse_app_config(src.tessera_json);
    if (!app.ok())
      return app.status().with_context(m->folder_.dir.empty() ? "tessera.json" : m->folder_.dir + "/tessera.json");
    m->app_ = std::move(*app);
  }
  m->dit_cfg_ = src.dit;
  m->t5_cfg_ = src.t5;
  const VaeConfig& vae_cfg = src.vae;
  if (m->t5_cfg_.dim != src.dit.text_dim)
    return Error(Code::ShapeMismatch, "the text encoder's dim %d does not match the DiT's text_dim %d",
                 m->t5_cfg_.dim, src.dit.text_dim);
  if (vae_cfg.z_dim != src.dit.in_dim || vae_cfg.z_dim != src.dit.out_dim)
    return Error(Code::ShapeMismatch, "the VAE's z_dim %d does not match the DiT's in_dim %d / out_dim %d",
                 vae_cfg.z_dim, src.dit.in_dim, src.dit.out_dim);

  // Latent statistics: tessera.json, else the Diffusers VAE config's, else Wan2.1's constants.
  const int z = vae_cfg.z_dim;
  if (!m->app_.latent_mean.empty()) {
    if (int(m->app_.latent_mean.size()) != z)
      return Error(Code::CorruptFile, "tessera.json: latent_mean has %zu values, the VAE has z_dim %d",
                   m->app_.latent_mean.size(), z);
    m->mean_ = m->app_.latent_mean;
    m->std_ = m->app_.latent_std;
  } else if (int(vae_cfg.latents_mean.size()) == z && int(vae_cfg.latents_std.size()) == z) {
    m->mean_ = vae_cfg.latents_mean;
    m->std_ = vae_cfg.latents_std;
  } else if (z == 16) {
    m->mean_.assign(kWanLatentMean, kWanLatentMean + 16);
    m->std_.assign(kWanLatentStd, kWanLatentStd + 16);
  } else {
    return Error(Code::CorruptFile, "a VAE with z_dim %d needs latent_mean/latent_std in tessera.json", z);
  }

  {
    TSR_ASSIGN_OR_RETURN(auto ws, src.dit_weights());
    m->dit_params_ = count_params(*ws);
    m->weight_dtype_ = stored_dtype(*ws);
    auto dit = measured_load(be, &m->dit_bytes_, [&] { return WanDit::load(*ws, src.dit, be); });
    if (!dit.ok()) return dit.status().with_context("loading the DiT");
    m->dit_ = std::move(*dit);
    m->dit_resident_ = true;
  }
  {
    TSR_ASSIGN_OR_RETURN(auto ws, src.vae_weights());
    m->vae_params_ = count_params(*ws);
    auto vae = measured_load(be, &m->vae_bytes_,
                             [&] { return WanVae::load(*ws, vae_cfg, be, /*decoder_only=*/true); });
    if (!vae.ok()) return vae.status().with_context("loading the VAE");
    m->vae_ = std::move(*vae);
  }
  {
    // Opened now so a missing or corrupt text encoder fails the load, not the first generation.
    TSR_ASSIGN_OR_RETURN(auto ws, src.t5_weights());
    m->t5_params_ = count_params(*ws);
    if (opts.keep_text_encoder) {
      auto t5 = UmT5Encoder::load(*ws, m->t5_cfg_, be);
      if (!t5.ok()) return t5.status().with_context("loading the text encoder");
      m->t5_ = std::move(*t5);
      m->t5_resident_ = true;
    }
  }
  if (opts.fit_preview) {
    auto p = fit_preview_projection(*m->vae_, m->mean_.data(), m->std_.data());
    if (!p.ok()) return p.status().with_context("fitting the preview projection");
    m->preview_ = *p;
  }
  TSR_RETURN_IF_ERROR(be.status());
  return m;
}

StatusOr<const UmT5Encoder*> ModelBundle::text_encoder() {
  if (t5_) return static_cast<const UmT5Encoder*>(t5_.get());
  TSR_ASSIGN_OR_RETURN(auto ws, source_.t5_weights());
  // Not kept between generations: stream its layers through the device instead of loading
  // the whole encoder (the same bytes cross the bus either way, and peak memory is one layer).
  auto t5 = UmT5Encoder::load(*ws, t5_cfg_, be_, T5Residency::Streamed);
  if (!t5.ok()) return t5.status().with_context("loading the text encoder");
  t5_ = std::move(*t5);
  t5_resident_ = true;
  return static_cast<const UmT5Encoder*>(t5_.get());
}

void ModelBundle::release_text_encoder() {
  if (opts_.keep_text_encoder) return;
  t5_resident_ = false;
  t5_.reset();
}

void ModelBundle::release_dit() {
  dit_resident_ = false;
  dit_.reset();
}

Status ModelBundle::load_dit() {
  if (dit_) return OkStatus();
  TSR_ASSIGN_OR_RETURN(auto ws, source_.dit_weights());
  auto dit = WanDit::load(*ws, dit_cfg_, be_);
  if (!dit.ok()) return dit.status().with_context("loading the DiT again");
  dit_ = std::move(*dit);
  dit_resident_ = true;
  return OkStatus();
}

MemoryInputs ModelBundle::memory_inputs() const {
  MemoryInputs in;
  in.dit = dit_cfg_;
  in.t5 = t5_cfg_;
  in.vae = vae_->config();
  in.dit_params = dit_params_;
  in.t5_params = t5_params_;
  in.vae_params = vae_params_;
  in.dit_weight_bytes = dit_bytes_;
  in.vae_weight_bytes = vae_bytes_;
  const bool gpu = be_.device() != DeviceKind::Cpu;
  in.weight_bytes = gpu ? 2 : 4;
  in.activation_bytes = gpu ? 2 : 4;
  in.keep_text_encoder = opts_.keep_text_encoder;
  in.text_encoder_resident = t5_resident_;
  in.release_dit_for_decode = opts_.dit_residency == DitResidency::ReleasedForDecode;
  return in;
}

}  // namespace tsr
