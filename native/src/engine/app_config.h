// The optional tessera.json of a model folder (docs/model-folder.md): configs of non-standard
// umT5 / VAE, latent statistics and the app's defaults.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "engine/request.h"

namespace tsr {

struct AppDefaults {
  int steps = 0, width = 0, height = 0, frames = 0;  // 0 where absent
  float guidance = 0, shift = 0;
  std::string sampler;  // "unipc", "euler", "fewstep" or empty
  std::vector<int> timesteps;
  std::string negative_prompt;
  AttnConfig attention;
};

struct AppConfig {
  std::string name;
  std::string t5_json, vae_json;  // official constructor arguments; empty = Wan2.1's
  std::vector<float> latent_mean, latent_std;  // empty = Wan2.1's constants
  AppDefaults defaults;
};

// Parses tessera.json text; CorruptFile naming the field for wrong types or sizes.
StatusOr<AppConfig> parse_app_config(const std::string& text);
// Reads and parses a file; a missing file gives the empty config.
StatusOr<AppConfig> read_app_config(const std::string& path);

// Attention rules in the JSON form of app/engine/types.ts AttnRule:
// {"steps":[b,e], "layers":[b,e], "head":h, "pattern":"dense"|"sta"|"tile", "window":[t,h,w],
//  "globalFrames":k}.
StatusOr<AttnConfig> parse_attn_config(const Json& j);

}  // namespace tsr
