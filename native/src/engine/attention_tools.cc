#include "engine/attention_tools.h"

#include <cmath>

#include "attention/attention_map.h"
#include "attention/calibration.h"
#include "attention/patterns.h"
#include "core/threadpool.h"
#include "engine/attn_rules.h"

namespace tsr {

namespace {

// Host copies of one layer's q and k (after RoPE) and its attention spec.
class CaptureObserver final : public SelfAttentionObserver {
 public:
  explicit CaptureObserver(int layer) : layer_(layer) {}
  void on_self_attention(Backend& be, int layer, const Tensor& q, const Tensor& k, const Tensor&, const AttnSpec& spec,
                         const Tensor&) override {
    if (layer != layer_) return;
    q_ = be.to_host(q);
    k_ = be.to_host(k);
    spec_ = spec;
    spec_.per_head.clear();
  }
  bool captured() const { return q_.data() && k_.data(); }
  Tensor q_, k_;
  AttnSpec spec_;

 private:
  int layer_;
};

// Per head and candidate: ||o_c - o|| / ||o|| over the head's output columns, with o_c the
// candidate window run on the backend over the same q, k, v.
class CalibrationObserver final : public SelfAttentionObserver {
 public:
  CalibrationObserver(int layers, int heads, const std::vector<Window3>& candidates)
      : candidates_(candidates) {
    for (int l = 0; l < layers; ++l) acc_.emplace_back(heads, int(candidates.size()));
  }
  void on_self_attention(Backend& be, int layer, const Tensor& q, const Tensor& k, const Tensor& v,
                         const AttnSpec& spec, const Tensor& out) override {
    if (!status_.ok() || layer < 0 || layer >= int(acc_.size())) return;
    Tensor dense = be.to_host(out);
    if (!dense.data()) {
      status_ = be.status().ok() ? Error(Code::Internal, "calibration: no dense output") : be.status();
      return;
    }
    const int H = spec.heads, D = spec.head_dim;
    const int64_t N = dense.dim(0);
    std::vector<std::vector<double>> errors(H, std::vector<double>(candidates_.size(), 0.0));
    for (size_t c = 0; c < candidates_.size(); ++c) {
      AttnSpec s = spec;
      HeadPattern p;
      p.kind = AttnPattern::Sta;
      for (int a = 0; a < 3; ++a) p.window[a] = candidates_[c][a];
      s.per_head.assign(H, p);
      Tensor oc = be.to_host(be.attention(q, k, v, s));
      if (!oc.data()) {
        status_ = be.status().ok() ? Error(Code::Internal, "calibration: candidate attention failed") : be.status();
        return;
      }
      for (int h = 0; h < H; ++h) {
        double num = 0, den = 0;
        for (int64_t n = 0; n < N; ++n) {
          const float* a = oc.data_as<float>() + (n * H + h) * D;
          const float* b = dense.data_as<float>() + (n * H + h) * D;
          for (int d = 0; d < D; ++d) {
            double diff = double(a[d]) - double(b[d]);
            num += diff * diff;
            den += double(b[d]) * double(b[d]);
          }
        }
        errors[h][c] = den > 0 ? std::sqrt(num / den) : (num > 0 ? INFINITY : 0.0);
      }
    }
    status_ = acc_[layer].add(errors);
  }
  const Status& status() const { return status_; }
  std::vector<WindowErrorAccumulator>& accumulators() { return acc_; }

 private:
  std::vector<Window3> candidates_;
  std::vector<WindowErrorAccumulator> acc_;
  Status status_;
};


}  // namespace

StatusOr<AttnMapResult> attention_map(ModelBundle& m, const GenerateRequest& req_in, const AttnMapRequest& map,
                                      RunObserver& obs) {
  Backend& be = m.backend();
  be.clear_error();
  GenerateRequest req = req_in;
  TSR_ASSIGN_OR_RETURN(LatentGeometry g, check_request(m, &req));
  const DitConfig& dc = m.dit_config();
  if (map.step < 0 || map.step >= req.steps)
    return Error(Code::InvalidArgument, "step %d does not exist (the run has %d steps)", map.step, req.steps);
  if (map.layer < 0 || map.layer >= dc.num_layers)
    return Error(Code::InvalidArgument, "layer %d does not exist (the model has %d)", map.layer, dc.num_layers);
  if (map.head < 0 || map.head >= dc.num_heads)
    return Error(Code::InvalidArgument, "head %d does not exist (the model has %d)", map.head, dc.num_heads);
  const int64_t tokens = g.tokens();
  int tiles[3];
  for (int a = 0; a < 3; ++a) tiles[a] = ceil_div(g.grid[a], req.attn.tile[a]);
  const int64_t num_tiles = int64_t(tiles[0]) * tiles[1] * tiles[2];
  if (map.query_token >= tokens || map.query_token < -1)
    return Error(Code::InvalidArgument, "query token %lld is outside the %lld-token grid",
                 static_cast<long long>(map.query_token), static_cast<long long>(tokens));
  if (map.query_token < 0 && (map.query_tile < 0 || map.query_tile >= num_tiles))
    return Error(Code::InvalidArgument, "query tile %lld is outside the %lld tiles",
                 static_cast<long long>(map.query_tile), static_cast<long long>(num_tiles));
  if (!map.cond && !cfg_needs_uncond(req.guidance))
    return Error(Code::InvalidArgument, "there is no unconditional pass when guidance <= 1");

  TSR_ASSIGN_OR_RETURN(PreparedRun run, prepare_run(m, req, obs));
  CaptureObserver capture(map.layer);
  LoopHooks hooks;
  hooks.last_step = map.step;
  hooks.observer = [&](int step, bool cond) -> SelfAttentionObserver* {
    return step == map.step && cond == map.cond ? &capture : nullptr;
  };
  TSR_ASSIGN_OR_RETURN(Tensor x, run_denoise(m, run, obs, hooks));
  (void)x;
  if (!capture.captured()) return be.status().ok() ? Error(Code::Internal, "attention was not captured") : be.status();

  AttnSpec spec = capture.spec_;
  ThreadPool& pool = default_pool();
  MapQuery q;
  q.head = map.head;
  q.token = map.query_token;
  q.tile = map.query_token < 0 ? map.query_tile : -1;
  TSR_ASSIGN_OR_RETURN(Tensor probs, attention_probs(capture.q_, capture.k_, spec, q, pool));
  TSR_ASSIGN_OR_RETURN(Tensor mass, tile_mass_matrix(capture.q_, capture.k_, spec, map.head, pool));
  AttnPlan plan = plan_for_step(req.attn, map.step, req.steps, dc.num_layers, dc.num_heads);
  HeadPattern pattern = plan.layers.empty() ? HeadPattern{} : plan.layers[map.layer][map.head];
  TSR_ASSIGN_OR_RETURN(Tensor kept, kept_matrix(spec.grid, spec.tile, pattern));

  AttnMapResult r;
  for (int a = 0; a < 3; ++a) {
    r.grid[a] = spec.grid[a];
    r.tiles[a] = ceil_div(spec.grid[a], spec.tile[a]);
  }
  r.num_tiles = r.tiles[0] * r.tiles[1] * r.tiles[2];
  r.probs.assign(probs.data_as<float>(), probs.data_as<float>() + probs.numel());
  r.tile_mass.assign(mass.data_as<float>(), mass.data_as<float>() + mass.numel());
  r.kept.resize(size_t(kept.numel()));
  for (int64_t i = 0; i < kept.numel(); ++i) r.kept[i] = kept.data_as<float>()[i] != 0.0f;
  if (int64_t(r.tile_mass.size()) != int64_t(r.num_tiles) * r.num_tiles || r.kept.size() != r.tile_mass.size())
    return Error(Code::Internal, "attention map: tile matrices do not match the tile grid");
  return r;
}

StatusOr<CalibrationResult> calibrate(ModelBundle& m, const GenerateRequest& req_in, const CalibrationRequest& cal,
                                      RunObserver& obs) {
  Backend& be = m.backend();
  be.clear_error();
  GenerateRequest req = req_in;
  TSR_ASSIGN_OR_RETURN(LatentGeometry g, check_request(m, &req));
  const DitConfig& dc = m.dit_config();
  if (cal.candidates.empty()) return Error(Code::InvalidArgument, "calibration needs at least one candidate window");
  std::vector<Window3> candidates;
  for (const auto& c : cal.candidates) {
    if (c[0] < 1 || c[1] < 1 || c[2] < 1)
      return Error(Code::InvalidArgument, "candidate window (%d, %d, %d) must be >= 1 tile per axis", c[0], c[1], c[2]);
    candidates.push_back({c[0], c[1], c[2]});
  }
  if (cal.dense_steps < 0 || cal.dense_steps >= req.steps)
    return Error(Code::InvalidArgument, "dense_steps must be in [0, %d) so that some step is measured, got %d",
                 req.steps, cal.dense_steps);
  if (!std::isfinite(cal.max_error)) return Error(Code::InvalidArgument, "max_error must be a number");

  TSR_ASSIGN_OR_RETURN(PreparedRun run, prepare_run(m, req, obs));
  CalibrationObserver measure(dc.num_layers, dc.num_heads, candidates);
  LoopHooks hooks;
  hooks.dense = true;
  hooks.observer = [&](int step, bool cond) -> SelfAttentionObserver* {
    return cond && step >= cal.dense_steps ? &measure : nullptr;
  };
  TSR_ASSIGN_OR_RETURN(Tensor x, run_denoise(m, run, obs, hooks));
  (void)x;
  TSR_RETURN_IF_ERROR(measure.status());

  CalibrationResult r;
  r.steps = req.steps - cal.dense_steps;
  r.layers = dc.num_layers;
  r.heads = dc.num_heads;
  r.num_candidates = int(candidates.size());
  // <= 0 means argmin: with a budget of 0 only exact windows qualify, and without one the
  // rule falls back to the argmin, so 0 gives exactly that.
  const double max_error = cal.max_error > 0 ? double(cal.max_error) : 0.0;
  double sparsity = 0;
  for (int l = 0; l < r.layers; ++l) {
    auto& acc = measure.accumulators()[l];
    if (acc.count() != r.steps)
      return Error(Code::Internal, "calibration: layer %d measured %d of %d steps", l, acc.count(), r.steps);
    auto mean = acc.mean();
    for (int h = 0; h < r.heads; ++h)
      for (int c = 0; c < r.num_candidates; ++c) r.errors.push_back(float(mean[h][c]));
    TSR_ASSIGN_OR_RETURN(WindowChoice choice, choose_windows(mean, candidates, g.grid, req.attn.tile, max_error));
    for (int h = 0; h < r.heads; ++h)
      for (int a = 0; a < 3; ++a) r.windows.push_back(candidates[choice.candidate[h]][a]);
    sparsity += choice.stats.sparsity;
  }
  r.sparsity = float(sparsity / r.layers);
  return r;
}

}  // namespace tsr
