// Where a generation spends its time and memory, stage by stage, read from its progress
// events: a RunObserver for benchmarks and diagnostics (bench_cuda_pipeline.cc).
//
// Each progress event closes an interval that began at the previous one (or at start()):
//   EncodeText 0        loading the text encoder      EncodeText k   encoding prompt k
//   Denoise k           step k (the first one also loads the DiT again when a run released it,
//                       and prepares the text caches)
//   Decode 1            end of the loop (the DiT's release when planned)
//   Decode k+1          decoding latent chunk k - 1;  finish(): the last chunk and the RGB copy.
// At each boundary the meter reads the backend's bytes in use and the high-water mark since the
// previous boundary (it calls reset_peak, so Video::bytes_peak then covers the last interval
// only), and the device's used bytes (total - free), which include what the backend's
// allocator does not see: the CUDA context, library workspaces, blocks cached for reuse.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "backend/backend.h"
#include "engine/request.h"

namespace tsr {

struct StageInterval {
  Stage stage = Stage::EncodeText;
  int step = 0, total = 0;  // of the event that closed it; finish(): step = total = 0
  double seconds = 0;
  uint64_t in_use = 0;       // backend bytes in use at the end
  uint64_t peak = 0;         // backend high-water mark during the interval
  uint64_t device_used = 0;  // device total - free at the end (0 when unknown)
};

struct StageTotals {
  double seconds = 0;
  uint64_t peak = 0;         // largest interval peak
  uint64_t device_used = 0;  // largest device_used sample
  int intervals = 0;
};

class StageMeter final : public RunObserver {
 public:
  // on_interval (optional) sees each interval as it closes, e.g. to print it.
  explicit StageMeter(Backend& be, std::function<void(const StageInterval&)> on_interval = {})
      : be_(be), on_interval_(std::move(on_interval)) {}
  // Begins the first interval (call right before generate()).
  void start();
  void on_progress(const ProgressEvent& e) override;
  // Closes the last interval after generate() returned.
  void finish();

  const std::vector<StageInterval>& intervals() const { return intervals_; }
  StageTotals totals(Stage stage) const;
  // Mean seconds of the denoise steps after the first (the first also prepares the text and
  // may reload the DiT); the first step's time when there is only one.
  double seconds_per_step() const;
  uint64_t peak() const;         // over all intervals
  uint64_t device_used() const;  // over all samples

 private:
  void close(Stage stage, int step, int total);
  Backend& be_;
  std::function<void(const StageInterval&)> on_interval_;
  std::chrono::steady_clock::time_point last_{};
  std::vector<StageInterval> intervals_;
};

}  // namespace tsr
