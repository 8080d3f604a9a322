// C++ -> JS: info structs and result buffers as plain objects (camelCase, as app/engine/types.ts).
#include <cstring>

#include "convert.h"

namespace tsr_node {
namespace {

Napi::Array int_array(Napi::Env env, const int* v, size_t n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, v[i]));
  return a;
}

// Fixed-size char fields may be unterminated if an implementation fills them to the brim.
Napi::String fixed_string(Napi::Env env, const char* s, size_t cap) {
  return Napi::String::New(env, s, strnlen(s, cap));
}
#define TSR_STR(env, field) fixed_string(env, field, sizeof(field))

Napi::Number big(Napi::Env env, uint64_t v) { return Napi::Number::New(env, static_cast<double>(v)); }

const char* stage_name(tsr_stage s) {
  switch (s) {
    case TSR_STAGE_ENCODE_TEXT: return "encode";
    case TSR_STAGE_DENOISE: return "denoise";
    case TSR_STAGE_DECODE: return "decode";
  }
  return "denoise";
}

template <typename T, typename Array>
Array copy_array(Napi::Env env, const T* src, size_t n) {
  Array a = Array::New(env, n);
  if (n > 0 && src != nullptr) std::memcpy(a.Data(), src, n * sizeof(T));
  return a;
}

}  // namespace

Napi::Object engine_info_to_js(Napi::Env env, const tsr_engine_info& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("backend", TSR_STR(env, info.backend));
  o.Set("deviceName", TSR_STR(env, info.device_name));
  o.Set("fallbackReason", TSR_STR(env, info.fallback_reason));
  o.Set("threads", info.num_threads);
  o.Set("computeCapability", info.compute_capability);
  o.Set("totalMemory", big(env, info.total_memory));
  o.Set("freeMemory", big(env, info.free_memory));
  o.Set("cudaCompiled", Napi::Boolean::New(env, info.cuda_compiled != 0));
  return o;
}

Napi::Object model_info_to_js(Napi::Env env, const tsr_model_info& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("layout", TSR_STR(env, m.layout));
  Napi::Object dit = Napi::Object::New(env);
  dit.Set("dim", m.dim);
  dit.Set("ffnDim", m.ffn_dim);
  dit.Set("heads", m.num_heads);
  dit.Set("headDim", m.head_dim);
  dit.Set("layers", m.num_layers);
  dit.Set("freqDim", m.freq_dim);
  dit.Set("textDim", m.text_dim);
  dit.Set("textLen", m.text_len);
  dit.Set("inDim", m.in_dim);
  dit.Set("outDim", m.out_dim);
  dit.Set("patch", int_array(env, m.patch, 3));
  dit.Set("params", big(env, m.dit_params));
  o.Set("dit", dit);
  Napi::Object t5 = Napi::Object::New(env);
  t5.Set("dim", m.t5_dim);
  t5.Set("layers", m.t5_layers);
  t5.Set("heads", m.t5_heads);
  t5.Set("vocab", m.t5_vocab);
  t5.Set("params", big(env, m.t5_params));
  o.Set("t5", t5);
  Napi::Object vae = Napi::Object::New(env);
  vae.Set("zDim", m.vae_z_dim);
  vae.Set("baseDim", m.vae_base_dim);
  vae.Set("stride", int_array(env, m.vae_stride, 3));
  vae.Set("params", big(env, m.vae_params));
  o.Set("vae", vae);
  o.Set("weightDtype", TSR_STR(env, m.weight_dtype));
  Napi::Object d = Napi::Object::New(env);
  d.Set("steps", m.default_steps);
  d.Set("width", m.default_width);
  d.Set("height", m.default_height);
  d.Set("frames", m.default_frames);
  d.Set("guidance", m.default_guidance);
  d.Set("shift", m.default_shift);
  d.Set("sampler", TSR_STR(env, m.default_sampler));
  int nt = m.num_default_timesteps < 0 ? 0 : (m.num_default_timesteps > 16 ? 16 : m.num_default_timesteps);
  d.Set("timesteps", int_array(env, m.default_timesteps, static_cast<size_t>(nt)));
  o.Set("defaults", d);
  return o;
}

Napi::Object memory_estimate_to_js(Napi::Env env, const tsr_memory_estimate& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("weightsBytes", big(env, e.weights_bytes));
  o.Set("activationsBytes", big(env, e.activations_bytes));
  o.Set("peakBytes", big(env, e.peak_bytes));
  o.Set("availableBytes", big(env, e.available_bytes));
  o.Set("fits", Napi::Boolean::New(env, e.fits != 0));
  return o;
}

Napi::Object video_to_js(Napi::Env env, const tsr_video& v) {
  Napi::Object o = Napi::Object::New(env);
  size_t bytes = static_cast<size_t>(v.frames) * v.height * v.width * 3;
  o.Set("rgb", copy_array<uint8_t, Napi::Uint8Array>(env, v.rgb, v.rgb != nullptr ? bytes : 0));
  o.Set("frames", v.frames);
  o.Set("width", v.width);
  o.Set("height", v.height);
  o.Set("fps", v.fps);
  Napi::Object t = Napi::Object::New(env);
  t.Set("textSeconds", v.seconds_text);
  t.Set("denoiseSeconds", v.seconds_denoise);
  t.Set("decodeSeconds", v.seconds_decode);
  o.Set("timings", t);
  o.Set("deviceBytesPeak", big(env, v.device_bytes_peak));
  return o;
}

Napi::Object attn_map_to_js(Napi::Env env, const tsr_attn_map& m) {
  Napi::Object o = Napi::Object::New(env);
  size_t tokens = static_cast<size_t>(m.grid[0]) * m.grid[1] * m.grid[2];
  size_t pairs = static_cast<size_t>(m.num_tiles) * m.num_tiles;
  o.Set("grid", int_array(env, m.grid, 3));
  o.Set("probs", copy_array<float, Napi::Float32Array>(env, m.probs, tokens));
  o.Set("tiles", int_array(env, m.tiles, 3));
  o.Set("numTiles", m.num_tiles);
  o.Set("tileMass", copy_array<float, Napi::Float32Array>(env, m.tile_mass, pairs));
  o.Set("kept", copy_array<uint8_t, Napi::Uint8Array>(env, m.kept, pairs));
  return o;
}

Napi::Object calibration_to_js(Napi::Env env, const tsr_calibration& c, const std::vector<int>& candidates) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("steps", c.steps);
  o.Set("layers", c.layers);
  o.Set("heads", c.heads);
  size_t nc = candidates.size() / 3;
  Napi::Array cands = Napi::Array::New(env, nc);
  for (size_t i = 0; i < nc; ++i) cands.Set(static_cast<uint32_t>(i), int_array(env, &candidates[i * 3], 3));
  o.Set("candidates", cands);
  size_t n = static_cast<size_t>(c.layers) * c.heads * c.num_candidates;
  o.Set("errors", copy_array<float, Napi::Float32Array>(env, c.errors, n));
  Napi::Array windows = Napi::Array::New(env, c.layers);
  for (int l = 0; l < c.layers; ++l) {
    Napi::Array row = Napi::Array::New(env, c.heads);
    for (int h = 0; h < c.heads; ++h) {
      const int* w = c.windows != nullptr ? &c.windows[(static_cast<size_t>(l) * c.heads + h) * 3] : nullptr;
      int zero[3] = {0, 0, 0};
      row.Set(static_cast<uint32_t>(h), int_array(env, w != nullptr ? w : zero, 3));
    }
    windows.Set(static_cast<uint32_t>(l), row);
  }
  o.Set("windows", windows);
  o.Set("sparsity", c.sparsity);
  return o;
}

Napi::Object fixture_result_to_js(Napi::Env env, const tsr_fixture_result& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", TSR_STR(env, r.name));
  o.Set("kind", TSR_STR(env, r.kind));
  o.Set("variant", TSR_STR(env, r.variant));
  o.Set("relL2", r.rel_l2);
  o.Set("tolerance", r.tolerance);
  o.Set("passed", Napi::Boolean::New(env, r.passed != 0));
  o.Set("detail", TSR_STR(env, r.detail));
  return o;
}

Napi::Object progress_to_js(Napi::Env env, const ProgressCopy& pc) {
  const tsr_progress& p = pc.p;
  Napi::Object o = Napi::Object::New(env);
  o.Set("stage", stage_name(p.stage));
  o.Set("step", p.step);
  o.Set("total", p.total);
  o.Set("secondsPerStep", p.seconds_per_step);
  o.Set("elapsedSeconds", p.elapsed_seconds);
  o.Set("deviceBytesInUse", big(env, p.device_bytes_in_use));
  o.Set("deviceBytesPeak", big(env, p.device_bytes_peak));
  if (!pc.preview.empty()) {
    Napi::Object pv = Napi::Object::New(env);
    pv.Set("frames", p.preview_frames);
    pv.Set("width", p.preview_width);
    pv.Set("height", p.preview_height);
    pv.Set("rgb", copy_array<uint8_t, Napi::Uint8Array>(env, pc.preview.data(), pc.preview.size()));
    o.Set("preview", pv);
  }
  return o;
}

}  // namespace tsr_node
