// Training-free STA window search ("calibration", spec/sparse-attention.md §1): for one
// layer's q, k, v, measure per head how far each candidate window's output is from dense
// attention, average over calls (steps, prompts), then pick a window per head.
#pragma once

#include <array>
#include <vector>

#include "attention/patterns.h"
#include "backend/backend.h"
#include "core/status.h"
#include "core/threadpool.h"

namespace tsr {

using Window3 = std::array<int, 3>;  // STA window in tiles (t, h, w)

// errors[head][candidate] = ||o_c - o_dense|| / ||o_dense|| over the head's output columns,
// where o_c is that head's STA output with the candidate window. q, k, v are host float32
// [tokens, heads*head_dim] over spec.grid; spec.per_head is ignored. A candidate that keeps
// every token pair is dense attention and scores exactly 0.
StatusOr<std::vector<std::vector<double>>> window_errors(const Tensor& q, const Tensor& k,
                                                         const Tensor& v, const AttnSpec& spec,
                                                         const std::vector<Window3>& candidates,
                                                         ThreadPool& pool);

// Running mean of window_errors() results of one layer (same heads and candidates each time).
class WindowErrorAccumulator {
 public:
  WindowErrorAccumulator(int heads, int candidates);
  Status add(const std::vector<std::vector<double>>& errors);
  int count() const { return count_; }
  std::vector<std::vector<double>> mean() const;

 private:
  int heads_, candidates_, count_ = 0;
  std::vector<std::vector<double>> sum_;
};

struct WindowChoice {
  std::vector<int> candidate;         // per head: index into the candidate list
  std::vector<double> error;          // per head: mean error of the chosen candidate
  std::vector<bool> within_budget;    // per head: false when no candidate met max_error
  std::vector<HeadPattern> patterns;  // per head: the chosen STA pattern
  PatternStats stats;                 // of the whole plan (mean over heads)
};

// Rule, per head: among candidates whose mean error is <= max_error, the cheapest (fewest
// kept blocks on this grid and tile; ties: lower error, then earlier in the list). When none
// qualifies, the argmin of the error (ties: cheaper, then earlier), which is FastVideo's rule;
// max_error = 0 therefore only accepts windows that are exact. NaN errors never qualify.
StatusOr<WindowChoice> choose_windows(const std::vector<std::vector<double>>& errors,
                                      const std::vector<Window3>& candidates, const int grid[3],
                                      const int tile[3], double max_error);

}  // namespace tsr
