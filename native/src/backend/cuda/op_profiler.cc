#include "backend/cuda/op_profiler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tsr::cuda {

OpProfiler::OpProfiler(cudaStream_t stream) : stream_(stream) {
  const char* env = std::getenv("TESSERA_PROFILE");
  enabled_ = env && std::strcmp(env, "0") != 0;
}

OpProfiler::~OpProfiler() {
  if (enabled_) report();
  for (auto& p : pairs_) { cudaEventDestroy(p.start); cudaEventDestroy(p.stop); }
  for (auto e : free_events_) cudaEventDestroy(e);
}

cudaEvent_t OpProfiler::take_event() {
  if (!free_events_.empty()) {
    cudaEvent_t e = free_events_.back();
    free_events_.pop_back();
    return e;
  }
  cudaEvent_t e = nullptr;
  cudaEventCreate(&e);
  return e;
}

OpProfiler::Scope::Scope(OpProfiler* p, const char* name) : p_(p) {
  if (!p_) return;
  // Bound the number of outstanding pairs: fold them into totals every 4096 ops.
  if (p_->pairs_.size() >= 4096) p_->collect();
  Pair pair{name, p_->take_event(), p_->take_event()};
  cudaEventRecord(pair.start, p_->stream_);
  p_->pairs_.push_back(pair);
  index_ = int(p_->pairs_.size()) - 1;
}

OpProfiler::Scope::~Scope() {
  if (p_ && index_ >= 0) cudaEventRecord(p_->pairs_[index_].stop, p_->stream_);
}

void OpProfiler::collect() {
  cudaStreamSynchronize(stream_);
  for (auto& p : pairs_) {
    float ms = 0;
    cudaEventElapsedTime(&ms, p.start, p.stop);
    auto it = std::find_if(totals_.begin(), totals_.end(), [&](const Total& t) { return t.name == p.name; });
    if (it == totals_.end()) it = totals_.insert(totals_.end(), Total{p.name});
    it->ms += ms;
    it->calls++;
    free_events_.push_back(p.start);
    free_events_.push_back(p.stop);
  }
  pairs_.clear();
}

void OpProfiler::report() {
  collect();
  if (totals_.empty()) return;
  std::sort(totals_.begin(), totals_.end(), [](const Total& a, const Total& b) { return a.ms > b.ms; });
  double sum = 0;
  for (auto& t : totals_) sum += t.ms;
  std::fprintf(stderr, "tessera cuda profile (device time by op, %.1f ms total):\n", sum);
  for (auto& t : totals_)
    std::fprintf(stderr, "  %-22s %10.2f ms %5.1f%% %8ld calls\n", t.name.c_str(), t.ms, 100.0 * t.ms / sum, t.calls);
  totals_.clear();
}

}  // namespace tsr::cuda
