// JS -> C++: option objects and generation parameters, validated with messages naming the field.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "convert.h"

namespace tsr_node {
namespace {

Napi::Object require_object(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsObject() || v.IsArray()) throw_invalid(env, std::string(what) + " must be an object");
  return v.As<Napi::Object>();
}

bool has(const Napi::Object& o, const char* key) {
  return o.Has(key) && !o.Get(key).IsUndefined() && !o.Get(key).IsNull();
}

double get_number(Napi::Env env, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw_invalid(env, std::string("'") + key + "' must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw_invalid(env, std::string("'") + key + "' must be finite");
  return d;
}

int get_int(Napi::Env env, const Napi::Object& o, const char* key) {
  double d = get_number(env, o, key);
  if (d != std::floor(d)) throw_invalid(env, std::string("'") + key + "' must be an integer");
  if (d < std::numeric_limits<int>::min() || d > std::numeric_limits<int>::max()) {
    throw_invalid(env, std::string("'") + key + "' is out of range: " + std::to_string(d));
  }
  return static_cast<int>(d);
}

int opt_int(Napi::Env env, const Napi::Object& o, const char* key, int fallback) {
  return has(o, key) ? get_int(env, o, key) : fallback;
}

std::string opt_string(Napi::Env env, const Napi::Object& o, const char* key, const char* fallback) {
  if (!has(o, key)) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw_invalid(env, std::string("'") + key + "' must be a string");
  return v.As<Napi::String>().Utf8Value();
}

bool opt_bool(Napi::Env env, const Napi::Object& o, const char* key, bool fallback) {
  if (!has(o, key)) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) throw_invalid(env, std::string("'") + key + "' must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

// Int32Array or an array of integers.
std::vector<int32_t> get_ids(Napi::Env env, Napi::Value v, const char* key) {
  std::vector<int32_t> out;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    out.assign(a.Data(), a.Data() + a.ElementLength());
  } else if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) throw_invalid(env, std::string("'") + key + "' must hold integers");
      double d = e.As<Napi::Number>().DoubleValue();
      if (d != std::floor(d) || d < 0 || d > std::numeric_limits<int32_t>::max()) {
        throw_invalid(env, std::string("'") + key + "' must hold non-negative integers");
      }
      out.push_back(static_cast<int32_t>(d));
    }
  } else {
    throw_invalid(env, std::string("'") + key + "' must be an Int32Array or an array of integers");
  }
  return out;
}

std::array<int, 3> get_triple(Napi::Env env, Napi::Value v, const char* key) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) {
    throw_invalid(env, std::string("'") + key + "' must be an array of 3 integers");
  }
  Napi::Array a = v.As<Napi::Array>();
  std::array<int, 3> out{};
  for (uint32_t i = 0; i < 3; ++i) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 1e9) {
      throw_invalid(env, std::string("'") + key + "' must be an array of 3 integers");
    }
    out[i] = static_cast<int>(d);
  }
  return out;
}

std::array<int, 2> get_range(Napi::Env env, const Napi::Object& o, const char* key) {
  if (!has(o, key)) return {0, -1};
  Napi::Value v = o.Get(key);
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 2) {
    throw_invalid(env, std::string("'") + key + "' must be [begin, end]");
  }
  Napi::Array a = v.As<Napi::Array>();
  std::array<int, 2> out{};
  for (uint32_t i = 0; i < 2; ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw_invalid(env, std::string("'") + key + "' must be [begin, end]");
    out[i] = e.As<Napi::Number>().Int32Value();
  }
  return out;
}

tsr_attn_rule rule_from_js(Napi::Env env, Napi::Value v) {
  Napi::Object o = require_object(env, v, "attention rule");
  tsr_attn_rule r{};
  auto steps = get_range(env, o, "steps");
  auto layers = get_range(env, o, "layers");
  r.step_begin = steps[0];
  r.step_end = steps[1];
  r.layer_begin = layers[0];
  r.layer_end = layers[1];
  r.head = opt_int(env, o, "head", -1);
  std::string pattern = opt_string(env, o, "pattern", "");
  if (pattern == "dense") {
    r.pattern = TSR_ATTN_DENSE;
  } else if (pattern == "sta") {
    r.pattern = TSR_ATTN_STA;
    if (!has(o, "window")) throw_invalid(env, "an 'sta' attention rule needs a 'window'");
    auto w = get_triple(env, o.Get("window"), "window");
    std::memcpy(r.window, w.data(), sizeof(r.window));
  } else if (pattern == "tile") {
    r.pattern = TSR_ATTN_TILE;
    r.global_frames = opt_int(env, o, "globalFrames", 1);
  } else {
    throw_invalid(env, "attention rule 'pattern' must be 'dense', 'sta' or 'tile', got '" + pattern + "'");
  }
  return r;
}

}  // namespace

tsr_engine_options engine_options_from_js(Napi::Env env, Napi::Value v) {
  tsr_engine_options o{};
  o.struct_size = sizeof(o);
  if (v.IsUndefined() || v.IsNull()) return o;
  Napi::Object obj = require_object(env, v, "engine options");
  std::string backend = opt_string(env, obj, "backend", "auto");
  if (backend == "auto") o.backend = TSR_BACKEND_AUTO;
  else if (backend == "cpu") o.backend = TSR_BACKEND_CPU;
  else if (backend == "cuda") o.backend = TSR_BACKEND_CUDA;
  else throw_invalid(env, "'backend' must be 'auto', 'cpu' or 'cuda', got '" + backend + "'");
  o.device_index = opt_int(env, obj, "deviceIndex", 0);
  o.num_threads = opt_int(env, obj, "threads", 0);
  if (o.device_index < 0) throw_invalid(env, "'deviceIndex' must be >= 0");
  if (o.num_threads < 0) throw_invalid(env, "'threads' must be >= 0");
  std::string path = opt_string(env, obj, "cudaPath", "auto");
  if (path == "auto") o.cuda_path = TSR_CUDA_PATH_AUTO;
  else if (path == "portable") o.cuda_path = TSR_CUDA_PATH_PORTABLE;
  else if (path == "hopper") o.cuda_path = TSR_CUDA_PATH_HOPPER;
  else throw_invalid(env, "'cudaPath' must be 'auto', 'portable' or 'hopper', got '" + path + "'");
  return o;
}

tsr_model_options model_options_from_js(Napi::Env env, Napi::Value v) {
  tsr_model_options o{};
  o.struct_size = sizeof(o);
  o.keep_text_encoder = 0;
  if (v.IsUndefined() || v.IsNull()) return o;
  Napi::Object obj = require_object(env, v, "model options");
  o.keep_text_encoder = opt_bool(env, obj, "keepTextEncoder", false) ? 1 : 0;
  return o;
}

const tsr_generate_params* GenerateBaton::params() {
  raw.struct_size = sizeof(raw);
  raw.prompt_ids = prompt.data();
  raw.prompt_len = static_cast<int>(prompt.size());
  raw.negative_ids = negative.empty() ? nullptr : negative.data();
  raw.negative_len = static_cast<int>(negative.size());
  raw.timesteps = timesteps.empty() ? nullptr : timesteps.data();
  raw.num_timesteps = static_cast<int>(timesteps.size());
  raw.attn.rules = rules.empty() ? nullptr : rules.data();
  raw.attn.num_rules = static_cast<int>(rules.size());
  return &raw;
}

GenerateBaton generate_params_from_js(Napi::Env env, Napi::Value v) {
  Napi::Object o = require_object(env, v, "generation parameters");
  GenerateBaton b;
  if (!has(o, "promptIds")) throw_invalid(env, "'promptIds' is required");
  b.prompt = get_ids(env, o.Get("promptIds"), "promptIds");
  if (has(o, "negativeIds")) b.negative = get_ids(env, o.Get("negativeIds"), "negativeIds");
  tsr_generate_params& p = b.raw;
  p.width = get_int(env, o, "width");
  p.height = get_int(env, o, "height");
  p.frames = get_int(env, o, "frames");
  p.steps = get_int(env, o, "steps");
  p.guidance = static_cast<float>(get_number(env, o, "guidance"));
  p.shift = static_cast<float>(get_number(env, o, "shift"));
  Napi::Value seed = o.Get("seed");
  if (seed.IsBigInt()) {
    bool lossless = false;
    p.seed = seed.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw_invalid(env, "'seed' must fit in 64 bits");
  } else {
    double d = get_number(env, o, "seed");
    if (d < 0 || d != std::floor(d) || d > 9007199254740991.0) {
      throw_invalid(env, "'seed' must be a non-negative integer");
    }
    p.seed = static_cast<uint64_t>(d);
  }
  std::string sampler = opt_string(env, o, "sampler", "unipc");
  if (sampler == "unipc") p.sampler = TSR_SAMPLER_UNIPC;
  else if (sampler == "euler") p.sampler = TSR_SAMPLER_EULER;
  else if (sampler == "fewstep") p.sampler = TSR_SAMPLER_FEWSTEP;
  else throw_invalid(env, "'sampler' must be 'unipc', 'euler' or 'fewstep', got '" + sampler + "'");
  if (has(o, "timesteps")) b.timesteps = get_ids(env, o.Get("timesteps"), "timesteps");
  if (has(o, "attention")) {
    Napi::Object a = require_object(env, o.Get("attention"), "'attention'");
    if (has(a, "tile")) {
      auto t = get_triple(env, a.Get("tile"), "tile");
      std::memcpy(p.attn.tile, t.data(), sizeof(p.attn.tile));
    }
    if (has(a, "rules")) {
      Napi::Value rv = a.Get("rules");
      if (!rv.IsArray()) throw_invalid(env, "'attention.rules' must be an array");
      Napi::Array rules = rv.As<Napi::Array>();
      for (uint32_t i = 0; i < rules.Length(); ++i) b.rules.push_back(rule_from_js(env, rules.Get(i)));
    }
  }
  p.preview = opt_bool(env, o, "preview", false) ? 1 : 0;
  p.preview_max_side = opt_int(env, o, "previewMaxSide", 0);
  return b;
}

tsr_attn_map_request attn_map_request_from_js(Napi::Env env, Napi::Value v) {
  Napi::Object o = require_object(env, v, "attention map request");
  tsr_attn_map_request r{};
  r.struct_size = sizeof(r);
  r.step = get_int(env, o, "step");
  r.layer = get_int(env, o, "layer");
  r.head = get_int(env, o, "head");
  r.query_token = opt_int(env, o, "queryToken", -1);
  r.query_tile = opt_int(env, o, "queryTile", 0);
  r.cond = opt_bool(env, o, "cond", true) ? 1 : 0;
  return r;
}

const tsr_calibration_request* CalibrationBaton::request() {
  raw.struct_size = sizeof(raw);
  raw.candidates = candidates.data();
  raw.num_candidates = static_cast<int>(candidates.size() / 3);
  return &raw;
}

CalibrationBaton calibration_request_from_js(Napi::Env env, Napi::Value v) {
  Napi::Object o = require_object(env, v, "calibration request");
  CalibrationBaton b;
  Napi::Value cv = o.Get("candidates");
  if (!cv.IsArray() || cv.As<Napi::Array>().Length() == 0) {
    throw_invalid(env, "'candidates' must be a non-empty array of [t, h, w] windows");
  }
  Napi::Array cands = cv.As<Napi::Array>();
  for (uint32_t i = 0; i < cands.Length(); ++i) {
    auto w = get_triple(env, cands.Get(i), "candidates[i]");
    b.candidates.insert(b.candidates.end(), w.begin(), w.end());
  }
  b.raw.dense_steps = opt_int(env, o, "denseSteps", 0);
  b.raw.max_error = has(o, "maxError") ? static_cast<float>(get_number(env, o, "maxError")) : 0.0f;
  return b;
}

}  // namespace tsr_node
