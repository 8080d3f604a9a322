// Resolves tsr_attn_config rules into the per-step AttnPlan the DiT consumes.
#pragma once

#include "core/status.h"
#include "engine/request.h"
#include "models/dit.h"

namespace tsr {

// Checks tile sizes, patterns, windows and ranges against the model (InvalidArgument with the
// offending rule's index). Ranges beyond the model's layers or the run's steps are clipped
// (presets stay usable across model sizes); a head index beyond the model's heads is an error.
Status validate_attn_config(const AttnConfig& cfg, int num_layers, int num_heads);

// The plan for `step` of a run with `num_steps` steps: everything dense, then each rule that
// covers the step overrides its layers/heads in order. `layers` stays empty when all is dense.
AttnPlan plan_for_step(const AttnConfig& cfg, int step, int num_steps, int num_layers, int num_heads);

}  // namespace tsr
