#include "capi/convert.h"

namespace tsr::capi {

namespace {

Status ids(const int32_t* p, int n, const char* name, std::vector<int32_t>* out) {
  if (n < 0) return Error(Code::InvalidArgument, "%s length must be >= 0, got %d", name, n);
  if (n > 0 && !p) return Error(Code::InvalidArgument, "%s is NULL but its length is %d", name, n);
  out->assign(p, p + n);
  return OkStatus();
}

}  // namespace

StatusOr<GenerateRequest> to_request(const tsr_generate_params* p) {
  TSR_RETURN_IF_ERROR(check_struct(p, "params"));
  GenerateRequest r;
  TSR_RETURN_IF_ERROR(ids(p->prompt_ids, p->prompt_len, "prompt_ids", &r.prompt_ids));
  TSR_RETURN_IF_ERROR(ids(p->negative_ids, p->negative_len, "negative_ids", &r.negative_ids));
  r.width = p->width;
  r.height = p->height;
  r.frames = p->frames;
  r.steps = p->steps;
  r.guidance = p->guidance;
  r.shift = p->shift;
  r.seed = p->seed;
  if (p->sampler < TSR_SAMPLER_UNIPC || p->sampler > TSR_SAMPLER_FEWSTEP)
    return Error(Code::InvalidArgument, "unknown sampler %d", int(p->sampler));
  r.sampler = static_cast<SamplerKind>(p->sampler);
  std::vector<int32_t> ts;
  TSR_RETURN_IF_ERROR(ids(p->timesteps, p->num_timesteps, "timesteps", &ts));
  r.timesteps.assign(ts.begin(), ts.end());

  const tsr_attn_config& a = p->attn;
  for (int i = 0; i < 3; ++i) {
    if (a.tile[i] < 0) return Error(Code::InvalidArgument, "attn.tile values must be >= 0");
  }
  if (a.tile[0] || a.tile[1] || a.tile[2]) std::copy(a.tile, a.tile + 3, r.attn.tile);
  if (a.num_rules < 0) return Error(Code::InvalidArgument, "attn.num_rules must be >= 0");
  if (a.num_rules > 0 && !a.rules) return Error(Code::InvalidArgument, "attn.rules is NULL but num_rules is %d", a.num_rules);
  for (int i = 0; i < a.num_rules; ++i) {
    const tsr_attn_rule& s = a.rules[i];
    AttnRule d;
    d.step_begin = s.step_begin;
    d.step_end = s.step_end;
    d.layer_begin = s.layer_begin;
    d.layer_end = s.layer_end;
    d.head = s.head;
    if (s.pattern < TSR_ATTN_DENSE || s.pattern > TSR_ATTN_TILE)
      return Error(Code::InvalidArgument, "attention rule %d: unknown pattern %d", i, int(s.pattern));
    d.pattern.kind = static_cast<AttnPattern>(s.pattern);
    std::copy(s.window, s.window + 3, d.pattern.window);
    d.pattern.global_frames = s.global_frames;
    r.attn.rules.push_back(d);
  }
  r.preview = p->preview != 0;
  r.preview_max_side = p->preview_max_side;
  return r;
}

void CallbackObserver::on_progress(const ProgressEvent& e) {
  if (!cb_ || !cb_->on_progress) return;
  tsr_progress p{};
  p.stage = static_cast<tsr_stage>(e.stage);
  p.step = e.step;
  p.total = e.total;
  p.seconds_per_step = e.seconds_per_step;
  p.elapsed_seconds = e.elapsed_seconds;
  p.device_bytes_in_use = e.bytes_in_use;
  p.device_bytes_peak = e.bytes_peak;
  if (e.preview) {
    p.preview_rgb = e.preview->rgb.data();
    p.preview_frames = e.preview->frames;
    p.preview_width = e.preview->width;
    p.preview_height = e.preview->height;
  }
  cb_->on_progress(&p, cb_->user);
}

}  // namespace tsr::capi
