#include "engine/attn_rules.h"

#include <algorithm>

namespace tsr {

namespace {
// Half-open [begin, end) with end = -1 meaning n, clipped to [0, n].
void clip_range(int begin, int end, int n, int* b, int* e) {
  *b = std::clamp(begin, 0, n);
  *e = end < 0 ? n : std::clamp(end, 0, n);
}
}  // namespace

Status validate_attn_config(const AttnConfig& cfg, int num_layers, int num_heads) {
  for (int a = 0; a < 3; ++a)
    if (cfg.tile[a] < 1 || cfg.tile[a] > 1024)
      return Error(Code::InvalidArgument, "attention tile must be 1..1024 tokens per axis, got (%d, %d, %d)",
                   cfg.tile[0], cfg.tile[1], cfg.tile[2]);
  for (size_t i = 0; i < cfg.rules.size(); ++i) {
    const AttnRule& r = cfg.rules[i];
    if (r.step_begin < 0 || (r.step_end != -1 && r.step_end < r.step_begin))
      return Error(Code::InvalidArgument, "attention rule %zu: step range [%d, %d) is invalid", i,
                   r.step_begin, r.step_end);
    if (r.layer_begin < 0 || (r.layer_end != -1 && r.layer_end < r.layer_begin))
      return Error(Code::InvalidArgument, "attention rule %zu: layer range [%d, %d) is invalid", i,
                   r.layer_begin, r.layer_end);
    if (r.head < -1 || r.head >= num_heads)
      return Error(Code::InvalidArgument, "attention rule %zu: head %d does not exist (the model has %d heads)",
                   i, r.head, num_heads);
    switch (r.pattern.kind) {
      case AttnPattern::Dense: break;
      case AttnPattern::Sta:
        for (int a = 0; a < 3; ++a)
          if (r.pattern.window[a] < 1)
            return Error(Code::InvalidArgument,
                         "attention rule %zu: STA window must be >= 1 tile per axis, got (%d, %d, %d)", i,
                         r.pattern.window[0], r.pattern.window[1], r.pattern.window[2]);
        break;
      case AttnPattern::Tile:
        if (r.pattern.global_frames < 0)
          return Error(Code::InvalidArgument, "attention rule %zu: global_frames must be >= 0, got %d", i,
                       r.pattern.global_frames);
        break;
      default:
        return Error(Code::InvalidArgument, "attention rule %zu: unknown pattern %d", i, int(r.pattern.kind));
    }
  }
  (void)num_layers;
  return OkStatus();
}

AttnPlan plan_for_step(const AttnConfig& cfg, int step, int num_steps, int num_layers, int num_heads) {
  AttnPlan plan;
  std::copy(cfg.tile, cfg.tile + 3, plan.tile);
  bool any = false;
  for (const AttnRule& r : cfg.rules) {
    int sb, se, lb, le;
    clip_range(r.step_begin, r.step_end, num_steps, &sb, &se);
    clip_range(r.layer_begin, r.layer_end, num_layers, &lb, &le);
    if (step < sb || step >= se || lb >= le) continue;
    if (!any) {
      plan.layers.assign(num_layers, std::vector<HeadPattern>(num_heads));
      any = true;
    }
    for (int l = lb; l < le; ++l) {
      if (r.head < 0) {
        std::fill(plan.layers[l].begin(), plan.layers[l].end(), r.pattern);
      } else if (r.head < num_heads) {
        plan.layers[l][r.head] = r.pattern;
      }
    }
  }
  if (any) {
    bool dense = true;
    for (const auto& layer : plan.layers)
      for (const auto& h : layer) dense &= h.kind == AttnPattern::Dense;
    if (dense) plan.layers.clear();
  }
  return plan;
}

}  // namespace tsr
