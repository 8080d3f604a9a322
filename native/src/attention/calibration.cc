#include "attention/calibration.h"

#include <cmath>
#include <new>

#include "attention/cpu_attention.h"

namespace tsr {
namespace {

HeadPattern sta_pattern(const Window3& w) {
  HeadPattern p;
  p.kind = AttnPattern::Sta;
  for (int a = 0; a < 3; ++a) p.window[a] = w[size_t(a)];
  return p;
}

Status check_candidates(const std::vector<Window3>& candidates) {
  if (candidates.empty()) return Error(Code::InvalidArgument, "calibration: no candidate windows");
  for (const auto& w : candidates) TSR_RETURN_IF_ERROR(validate_pattern(sta_pattern(w)));
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<std::vector<double>>> window_errors(const Tensor& q, const Tensor& k,
                                                         const Tensor& v, const AttnSpec& spec,
                                                         const std::vector<Window3>& candidates,
                                                         ThreadPool& pool) {
  TSR_RETURN_IF_ERROR(check_candidates(candidates));
  TSR_RETURN_IF_ERROR(validate_layout(spec.grid, spec.tile));
  if (!q.defined() || q.ndim() != 2)
    return Error(Code::InvalidArgument, "calibration: q must be [tokens, heads*head_dim]");
  AttnSpec dense = spec;
  dense.per_head.clear();
  Tensor ref = host_empty(DType::F32, q.shape());
  Tensor out = host_empty(DType::F32, q.shape());
  if (!ref.defined() || !out.defined())
    return Error(Code::OutOfMemory, "calibration: no memory for %s outputs", shape_str(q.shape()).c_str());
  TSR_RETURN_IF_ERROR(cpu_attention(q, k, v, ref, dense, pool).with_context("calibration"));

  int heads = spec.heads, d = spec.head_dim;
  int64_t n = q.dim(0), ld = int64_t(heads) * d;
  std::vector<std::vector<double>> errors(size_t(heads), std::vector<double>(candidates.size(), 0.0));
  const float* r = ref.data_as<float>();
  const float* o = out.data_as<float>();
  for (size_t c = 0; c < candidates.size(); ++c) {
    AttnSpec sparse = spec;
    sparse.per_head.assign(size_t(heads), sta_pattern(candidates[c]));
    TSR_RETURN_IF_ERROR(cpu_attention(q, k, v, out, sparse, pool).with_context("calibration"));
    for (int h = 0; h < heads; ++h) {
      double num = 0, den = 0;
      for (int64_t i = 0; i < n; ++i)
        for (int x = 0; x < d; ++x) {
          double rv = r[i * ld + int64_t(h) * d + x], diff = o[i * ld + int64_t(h) * d + x] - rv;
          num += diff * diff;
          den += rv * rv;
        }
      errors[size_t(h)][c] = den > 0 ? std::sqrt(num / den) : (num > 0 ? INFINITY : 0.0);
    }
  }
  return errors;
}

WindowErrorAccumulator::WindowErrorAccumulator(int heads, int candidates)
    : heads_(heads < 0 ? 0 : heads), candidates_(candidates < 0 ? 0 : candidates),
      sum_(size_t(heads_), std::vector<double>(size_t(candidates_), 0.0)) {}

Status WindowErrorAccumulator::add(const std::vector<std::vector<double>>& errors) {
  if (int(errors.size()) != heads_)
    return Error(Code::ShapeMismatch, "calibration: %zu heads of errors, expected %d", errors.size(), heads_);
  for (const auto& row : errors)
    if (int(row.size()) != candidates_)
      return Error(Code::ShapeMismatch, "calibration: %zu candidate errors, expected %d", row.size(),
                   candidates_);
  for (int h = 0; h < heads_; ++h)
    for (int c = 0; c < candidates_; ++c) sum_[size_t(h)][size_t(c)] += errors[size_t(h)][size_t(c)];
  ++count_;
  return OkStatus();
}

std::vector<std::vector<double>> WindowErrorAccumulator::mean() const {
  std::vector<std::vector<double>> m = sum_;
  if (count_ > 0)
    for (auto& row : m)
      for (auto& x : row) x /= count_;
  return m;
}

StatusOr<WindowChoice> choose_windows(const std::vector<std::vector<double>>& errors,
                                      const std::vector<Window3>& candidates, const int grid[3],
                                      const int tile[3], double max_error) {
  TSR_RETURN_IF_ERROR(check_candidates(candidates));
  TSR_RETURN_IF_ERROR(validate_layout(grid, tile));
  if (!(max_error >= 0))
    return Error(Code::InvalidArgument, "calibration: max_error %g must be >= 0", max_error);
  if (errors.empty()) return Error(Code::InvalidArgument, "calibration: no heads to choose for");
  TileLayout L(grid, tile);
  std::vector<int64_t> cost(candidates.size());
  for (size_t c = 0; c < candidates.size(); ++c) cost[c] = pattern_stats(L, sta_pattern(candidates[c])).kept_blocks;

  WindowChoice out;
  for (size_t h = 0; h < errors.size(); ++h) {
    const auto& e = errors[h];
    if (e.size() != candidates.size())
      return Error(Code::ShapeMismatch, "calibration: head %zu has %zu errors for %zu candidates", h, e.size(),
                   candidates.size());
    int best = -1;
    // Cheapest acceptable.
    for (size_t c = 0; c < e.size(); ++c) {
      if (!(e[c] <= max_error)) continue;
      if (best < 0 || cost[c] < cost[size_t(best)] ||
          (cost[c] == cost[size_t(best)] && e[c] < e[size_t(best)]))
        best = int(c);
    }
    bool within = best >= 0;
    if (!within) {
      for (size_t c = 0; c < e.size(); ++c) {
        if (std::isnan(e[c])) continue;
        if (best < 0 || e[c] < e[size_t(best)] || (e[c] == e[size_t(best)] && cost[c] < cost[size_t(best)]))
          best = int(c);
      }
    }
    if (best < 0) return Error(Code::InvalidArgument, "calibration: head %zu has no finite error", h);
    out.candidate.push_back(best);
    out.error.push_back(e[size_t(best)]);
    out.within_budget.push_back(within);
    out.patterns.push_back(sta_pattern(candidates[size_t(best)]));
  }
  out.stats = plan_stats(L, out.patterns);
  return out;
}

}  // namespace tsr
