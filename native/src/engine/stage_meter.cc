#include "engine/stage_meter.h"

#include <algorithm>

namespace tsr {

void StageMeter::start() {
  intervals_.clear();
  be_.reset_peak();
  last_ = std::chrono::steady_clock::now();
}

void StageMeter::close(Stage stage, int step, int total) {
  const auto now = std::chrono::steady_clock::now();
  StageInterval iv;
  iv.stage = stage;
  iv.step = step;
  iv.total = total;
  iv.seconds = std::chrono::duration<double>(now - last_).count();
  const MemoryStats mem = be_.memory();
  iv.in_use = mem.in_use;
  iv.peak = mem.peak;
  iv.device_used = mem.total >= mem.free ? mem.total - mem.free : 0;
  be_.reset_peak();
  intervals_.push_back(iv);
  if (on_interval_) on_interval_(iv);
  // Measuring (memory query, printing) is not charged to the next interval.
  last_ = std::chrono::steady_clock::now();
}

void StageMeter::on_progress(const ProgressEvent& e) { close(e.stage, e.step, e.total); }

void StageMeter::finish() {
  close(intervals_.empty() ? Stage::EncodeText : intervals_.back().stage, 0, 0);
}

StageTotals StageMeter::totals(Stage stage) const {
  StageTotals t;
  for (const StageInterval& iv : intervals_) {
    if (iv.stage != stage) continue;
    t.seconds += iv.seconds;
    t.peak = std::max(t.peak, iv.peak);
    t.device_used = std::max(t.device_used, iv.device_used);
    ++t.intervals;
  }
  return t;
}

double StageMeter::seconds_per_step() const {
  std::vector<double> steps;
  for (const StageInterval& iv : intervals_)
    if (iv.stage == Stage::Denoise) steps.push_back(iv.seconds);
  if (steps.empty()) return 0;
  if (steps.size() == 1) return steps[0];
  double sum = 0;
  for (size_t i = 1; i < steps.size(); ++i) sum += steps[i];
  return sum / double(steps.size() - 1);
}

uint64_t StageMeter::peak() const {
  uint64_t p = 0;
  for (const StageInterval& iv : intervals_) p = std::max(p, iv.peak);
  return p;
}

uint64_t StageMeter::device_used() const {
  uint64_t p = 0;
  for (const StageInterval& iv : intervals_) p = std::max(p, iv.device_used);
  return p;
}

}  // namespace tsr
