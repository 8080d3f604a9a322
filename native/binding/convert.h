// JS values <-> plain C++ structs. Everything from JS is read and validated here, on the JS thread,
// into batons that own their memory; workers only see these structs (no N-API off the JS thread).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common.h"

namespace tsr_node {

tsr_engine_options engine_options_from_js(Napi::Env env, Napi::Value v);
tsr_model_options model_options_from_js(Napi::Env env, Napi::Value v);

// Owns the arrays tsr_generate_params points into; params() refreshes the pointers.
struct GenerateBaton {
  std::vector<int32_t> prompt, negative, timesteps;
  std::vector<tsr_attn_rule> rules;
  tsr_generate_params raw{};

  const tsr_generate_params* params();
};
GenerateBaton generate_params_from_js(Napi::Env env, Napi::Value v);

tsr_attn_map_request attn_map_request_from_js(Napi::Env env, Napi::Value v);

struct CalibrationBaton {
  std::vector<int> candidates;  // [n][3]
  tsr_calibration_request raw{};

  const tsr_calibration_request* request();
};
CalibrationBaton calibration_request_from_js(Napi::Env env, Napi::Value v);

Napi::Object engine_info_to_js(Napi::Env env, const tsr_engine_info& info);
Napi::Object model_info_to_js(Napi::Env env, const tsr_model_info& info);
Napi::Object memory_estimate_to_js(Napi::Env env, const tsr_memory_estimate& est);
// The *_to_js of engine-owned buffers copy them (Electron forbids external ArrayBuffers).
Napi::Object video_to_js(Napi::Env env, const tsr_video& video);
Napi::Object attn_map_to_js(Napi::Env env, const tsr_attn_map& map);
Napi::Object calibration_to_js(Napi::Env env, const tsr_calibration& cal, const std::vector<int>& candidates);
Napi::Object fixture_result_to_js(Napi::Env env, const tsr_fixture_result& r);

// A progress report copied off the generating thread (the preview buffer is only valid during
// the engine's callback).
struct ProgressCopy {
  tsr_progress p{};
  std::vector<uint8_t> preview;
};
Napi::Object progress_to_js(Napi::Env env, const ProgressCopy& pc);

}  // namespace tsr_node
