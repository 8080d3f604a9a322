// What a caller asks the engine to do, as plain C++ values (the C API converts tsr_* structs
// into these after checking them), and what it reports back while working.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "sampling/sampler.h"

namespace tsr {

// One attention rule (tsr_attn_rule): a pattern over half-open step/layer ranges and one head
// or all (-1). end = -1 means "to the last".
struct AttnRule {
  int step_begin = 0, step_end = -1;
  int layer_begin = 0, layer_end = -1;
  int head = -1;
  HeadPattern pattern;
};

struct AttnConfig {
  int tile[3] = {6, 8, 8};
  std::vector<AttnRule> rules;  // applied in order, later ones override
};

struct GenerateRequest {
  std::vector<int32_t> prompt_ids;    // incl. EOS, no padding
  std::vector<int32_t> negative_ids;  // empty: the empty prompt (EOS only)
  int width = 0, height = 0, frames = 0;
  int steps = 0;
  float guidance = 1.0f;
  float shift = 5.0f;
  uint64_t seed = 0;
  SamplerKind sampler = SamplerKind::UniPC;
  std::vector<int> timesteps;  // FewStep
  AttnConfig attn;
  bool preview = false;
  int preview_max_side = 0;
};

enum class Stage { EncodeText = 0, Denoise = 1, Decode = 2 };  // = tsr_stage

// RGB frames [frames][height][width][3].
struct RgbFrames {
  std::vector<uint8_t> rgb;
  int frames = 0, width = 0, height = 0;
};

struct ProgressEvent {
  Stage stage = Stage::Denoise;
  int step = 0, total = 0;  // 1-based
  double seconds_per_step = 0, elapsed_seconds = 0;
  uint64_t bytes_in_use = 0, bytes_peak = 0;
  const RgbFrames* preview = nullptr;  // denoise steps with previews on
};

// Receives progress on the generating thread and is polled for cancellation between steps and
// between VAE chunks.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_progress(const ProgressEvent&) {}
  virtual bool cancelled() { return false; }
};

struct Video {
  RgbFrames frames;
  int fps = 16;
  double seconds_text = 0, seconds_denoise = 0, seconds_decode = 0;
  uint64_t bytes_peak = 0;
};

}  // namespace tsr
