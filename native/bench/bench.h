// The one timing harness for every benchmark (CPU ops now, GPU kernels later).
//
// A benchmark file registers groups of cases:
//
//   TSR_BENCH(cpu_gemm) {                       // body receives `tsr::bench::Runner& b`
//     Tensor x = ...;                            // set-up is not timed
//     b.run("gemm 256x1536x1536", {2.0 * M * N * K, bytes}, [&] { be->linear(x, w, &bias); });
//   }
//
// run() warms up, then times repeated samples (each sample loops the function enough times to
// last about a millisecond) and records median, min, max and the median absolute deviation of
// the wall time, and the process CPU time (which contention from other processes does not
// inflate, so GFLOP per CPU-second stays comparable on a busy machine).
// bench_main.cc prints the table and, with --json PATH, writes every result as JSON.
// GPU cases pass a `sync` callback (e.g. cudaDeviceSynchronize) called before each clock read.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tsr::bench {

struct Work {
  double flops = 0;  // floating-point operations per call (0: not a compute benchmark)
  double bytes = 0;  // bytes that must move per call (0: not reported)
};

struct Result {
  std::string group, name;
  Work work;
  int samples = 0;
  int64_t calls_per_sample = 0;
  double median_s = 0, min_s = 0, max_s = 0, mad_s = 0;  // wall time per call
  // Process CPU time per call (all threads), median over samples. On a shared machine
  // cpu_s / median_s below the thread count shows that other processes took the cores.
  double cpu_s = 0;
  std::string note;                                       // "skipped: ..." and the like
};

class Runner {
 public:
  struct Options {
    std::vector<std::string> filters;  // substrings of "group/name"; empty = all
    int warmup = 2;
    int min_samples = 5, max_samples = 30;
    double min_total_s = 0.5;   // keep sampling until this much time was measured...
    double sample_s = 1e-3;     // ...with samples at least this long
  };
  explicit Runner(Options o) : opt_(std::move(o)) {}

  void set_group(std::string g) { group_ = std::move(g); }
  // Times fn; `sync` (optional) completes outstanding asynchronous work.
  void run(const std::string& name, Work work, const std::function<void()>& fn,
           const std::function<void()>& sync = {});
  // Records a case that could not run here (missing device, unsupported op).
  void skip(const std::string& name, const std::string& why);
  // Attaches a remark (e.g. the peak memory of the run) to the case timed last.
  void note(const std::string& text);
  // True if a case of this name would run under the filters (to skip costly set-up).
  bool wants(const std::string& name) const;

  const std::vector<Result>& results() const { return results_; }

 private:
  Options opt_;
  std::string group_;
  std::vector<Result> results_;
};

struct Group {
  const char* name;
  void (*fn)(Runner&);
};
std::vector<Group>& groups();
struct GroupRegistrar {
  GroupRegistrar(const char* name, void (*fn)(Runner&)) { groups().push_back({name, fn}); }
};

}  // namespace tsr::bench

#define TSR_BENCH(group)                                                                  \
  static void tsr_bench_##group(::tsr::bench::Runner& b);                                 \
  static ::tsr::bench::GroupRegistrar tsr_bench_reg_##group(#group, tsr_bench_##group);   \
  static void tsr_bench_##group(::tsr::bench::Runner& b)
