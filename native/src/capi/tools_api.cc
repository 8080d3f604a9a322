// tsr_attention_map and tsr_calibrate: the research tools.
#include <cstdlib>

#include "capi/convert.h"
#include "engine/attention_tools.h"

using namespace tsr;
using namespace tsr::capi;

namespace {

// malloc'd copy (freed by the matching *_free); n may be 0.
template <class T>
StatusOr<T*> c_copy(const std::vector<T>& v) {
  T* p = static_cast<T*>(std::malloc(v.empty() ? 1 : v.size() * sizeof(T)));
  if (!p) return Error(Code::OutOfMemory, "cannot allocate %zu bytes", v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(p, v.data(), v.size() * sizeof(T));
  return p;
}

}  // namespace

extern "C" {

TSR_API tsr_code tsr_attention_map(tsr_model* model, const tsr_generate_params* params,
                                   const tsr_attn_map_request* request, const tsr_callbacks* callbacks,
                                   tsr_attn_map* out, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!model) return null_arg("model");
    if (!out) return null_arg("out");
    std::memset(out, 0, sizeof *out);
    TSR_RETURN_IF_ERROR(check_struct(request, "request"));
    TSR_ASSIGN_OR_RETURN(GenerateRequest req, to_request(params));
    AttnMapRequest mr;
    mr.step = request->step;
    mr.layer = request->layer;
    mr.head = request->head;
    mr.query_token = request->query_token;
    mr.query_tile = request->query_tile;
    mr.cond = request->cond != 0;
    CallbackObserver obs(callbacks);
    std::lock_guard<std::mutex> lock(model->core->run_mu);
    TSR_ASSIGN_OR_RETURN(AttnMapResult r, attention_map(*model->bundle, req, mr, obs));
    tsr_attn_map m{};
    for (int a = 0; a < 3; ++a) {
      m.grid[a] = r.grid[a];
      m.tiles[a] = r.tiles[a];
    }
    m.num_tiles = r.num_tiles;
    auto probs = c_copy(r.probs);
    auto mass = c_copy(r.tile_mass);
    auto kept = c_copy(r.kept);
    if (!probs.ok() || !mass.ok() || !kept.ok()) {
      if (probs.ok()) std::free(*probs);
      if (mass.ok()) std::free(*mass);
      if (kept.ok()) std::free(*kept);
      return Error(Code::OutOfMemory, "cannot allocate the attention map");
    }
    m.probs = *probs;
    m.tile_mass = *mass;
    m.kept = *kept;
    *out = m;
    return OkStatus();
  });
}

TSR_API void tsr_attn_map_free(tsr_attn_map* map) {
  if (!map) return;
  std::free(map->probs);
  std::free(map->tile_mass);
  std::free(map->kept);
  std::memset(map, 0, sizeof *map);
}

TSR_API tsr_code tsr_calibrate(tsr_model* model, const tsr_generate_params* params,
                               const tsr_calibration_request* request, const tsr_callbacks* callbacks,
                               tsr_calibration* out, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!model) return null_arg("model");
    if (!out) return null_arg("out");
    std::memset(out, 0, sizeof *out);
    TSR_RETURN_IF_ERROR(check_struct(request, "request"));
    TSR_ASSIGN_OR_RETURN(GenerateRequest req, to_request(params));
    if (request->num_candidates < 1 || !request->candidates)
      return Error(Code::InvalidArgument, "calibration needs candidates (num_candidates >= 1)");
    CalibrationRequest cr;
    for (int i = 0; i < request->num_candidates; ++i)
      cr.candidates.push_back({request->candidates[3 * i], request->candidates[3 * i + 1], request->candidates[3 * i + 2]});
    cr.dense_steps = request->dense_steps;
    cr.max_error = request->max_error;
    CallbackObserver obs(callbacks);
    std::lock_guard<std::mutex> lock(model->core->run_mu);
    TSR_ASSIGN_OR_RETURN(CalibrationResult r, calibrate(*model->bundle, req, cr, obs));
    auto errors = c_copy(r.errors);
    auto windows = c_copy(r.windows);
    if (!errors.ok() || !windows.ok()) {
      if (errors.ok()) std::free(*errors);
      if (windows.ok()) std::free(*windows);
      return Error(Code::OutOfMemory, "cannot allocate the calibration result");
    }
    out->steps = r.steps;
    out->layers = r.layers;
    out->heads = r.heads;
    out->num_candidates = r.num_candidates;
    out->errors = *errors;
    out->windows = *windows;
    out->sparsity = r.sparsity;
    return OkStatus();
  });
}

TSR_API void tsr_calibration_free(tsr_calibration* cal) {
  if (!cal) return;
  std::free(cal->errors);
  std::free(cal->windows);
  std::memset(cal, 0, sizeof *cal);
}

}  // extern "C"
