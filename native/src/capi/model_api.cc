// tsr_model_*: loading a model folder and describing it.
#include <algorithm>

#include "capi/capi_internal.h"
#include "engine/video_size.h"

using namespace tsr;
using namespace tsr::capi;

extern "C" {

TSR_API tsr_code tsr_model_load(tsr_engine* engine, const char* dir, const tsr_model_options* opts,
                                tsr_model** out, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!engine) return null_arg("engine");
    if (!dir) return null_arg("dir");
    if (!out) return null_arg("out");
    *out = nullptr;
    BundleOptions bo;
    if (opts) {
      TSR_RETURN_IF_ERROR(check_struct(opts, "opts"));
      bo.keep_text_encoder = opts->keep_text_encoder != 0;
    }
    std::lock_guard<std::mutex> lock(engine->core->run_mu);
    Backend& be = *engine->core->created.backend;
    be.clear_error();
    TSR_ASSIGN_OR_RETURN(auto bundle, ModelBundle::load(be, dir, bo));
    *out = new tsr_model{engine->core, std::move(bundle), dir};
    return OkStatus();
  });
}

TSR_API void tsr_model_destroy(tsr_model* model) {
  if (!model) return;
  try {
    std::lock_guard<std::mutex> lock(model->core->run_mu);  // not while a job runs on it
    model->bundle.reset();
  } catch (...) {
  }
  delete model;
}

TSR_API tsr_code tsr_model_get_info(tsr_model* model, tsr_model_info* out, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!model) return null_arg("model");
    if (!out) return null_arg("out");
    std::memset(out, 0, sizeof *out);
    const ModelBundle& m = *model->bundle;
    copy_str(out->layout, m.folder().layout == ModelLayout::Diffusers ? "diffusers" : "official");
    const DitConfig& d = m.dit_config();
    out->dim = d.dim;
    out->ffn_dim = d.ffn_dim;
    out->num_heads = d.num_heads;
    out->head_dim = d.head_dim();
    out->num_layers = d.num_layers;
    out->freq_dim = d.freq_dim;
    out->text_dim = d.text_dim;
    out->text_len = d.text_len;
    out->in_dim = d.in_dim;
    out->out_dim = d.out_dim;
    std::copy(d.patch, d.patch + 3, out->patch);
    const T5Config& t = m.t5_config();
    out->t5_dim = t.dim;
    out->t5_layers = t.num_layers;
    out->t5_heads = t.num_heads;
    out->t5_vocab = t.vocab;
    const VaeConfig& v = m.vae_config();
    out->vae_z_dim = v.z_dim;
    out->vae_base_dim = v.dim;
    out->vae_stride[0] = vae_time_stride(v);
    out->vae_stride[1] = out->vae_stride[2] = kVaeSpaceStride;
    out->dit_params = m.dit_params();
    out->t5_params = m.t5_params();
    out->vae_params = m.vae_params();
    copy_str(out->weight_dtype, m.weight_dtype());
    const AppDefaults& a = m.app().defaults;
    out->default_steps = a.steps;
    out->default_width = a.width;
    out->default_height = a.height;
    out->default_frames = a.frames;
    out->default_guidance = a.guidance;
    out->default_shift = a.shift;
    copy_str(out->default_sampler, a.sampler);
    out->num_default_timesteps = std::min<int>(int(a.timesteps.size()), 16);
    std::copy(a.timesteps.begin(), a.timesteps.begin() + out->num_default_timesteps, out->default_timesteps);
    return OkStatus();
  });
}

}  // extern "C"
