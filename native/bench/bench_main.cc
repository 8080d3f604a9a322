// Benchmark runner: `tessera_bench [filter...] [--json PATH] [--threads N] [--quick] [--list]`.
// Filters are substrings of "group/case". Prints one table; --json writes the same results.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <thread>

#include "bench.h"
#include "core/json.h"
#include "core/threadpool.h"

namespace tsr::bench {

std::vector<Group>& groups() {
  static std::vector<Group> g;
  return g;
}

bool Runner::wants(const std::string& name) const {
  if (opt_.filters.empty()) return true;
  const std::string full = group_ + "/" + name;
  for (const auto& f : opt_.filters)
    if (full.find(f) != std::string::npos) return true;
  return false;
}

static double now_s() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

static double cpu_now_s() { return double(std::clock()) / CLOCKS_PER_SEC; }

void Runner::run(const std::string& name, Work work, const std::function<void()>& fn,
                 const std::function<void()>& sync) {
  if (!wants(name)) return;
  double cpu_last = 0;
  auto timed = [&](int64_t calls) {
    const double c0 = cpu_now_s(), t0 = now_s();
    for (int64_t i = 0; i < calls; ++i) fn();
    if (sync) sync();
    const double t = now_s() - t0;
    cpu_last = cpu_now_s() - c0;
    return t;
  };
  // Warm-up also measures one call, to size the samples.
  double one = 0;
  for (int i = 0; i < std::max(1, opt_.warmup); ++i) one = timed(1);
  const int64_t calls = std::max<int64_t>(1, int64_t(std::ceil(opt_.sample_s / std::max(one, 1e-9))));
  std::vector<double> per_call, cpu_per_call;
  double total = 0;
  while (int(per_call.size()) < opt_.max_samples &&
         (int(per_call.size()) < opt_.min_samples || total < opt_.min_total_s)) {
    const double t = timed(calls);
    total += t;
    per_call.push_back(t / double(calls));
    cpu_per_call.push_back(cpu_last / double(calls));
  }
  std::sort(per_call.begin(), per_call.end());
  auto median_of = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  };
  Result r;
  r.group = group_, r.name = name, r.work = work;
  r.samples = int(per_call.size());
  r.calls_per_sample = calls;
  r.median_s = median_of(per_call);
  r.min_s = per_call.front(), r.max_s = per_call.back();
  std::vector<double> dev;
  for (double v : per_call) dev.push_back(std::fabs(v - r.median_s));
  r.mad_s = median_of(dev);
  r.cpu_s = median_of(cpu_per_call);
  results_.push_back(r);
  std::printf("  %-56s %10.3f ms  ±%5.1f%%  cpu %10.3f ms", (group_ + "/" + name).c_str(), r.median_s * 1e3,
              100.0 * r.mad_s / r.median_s, r.cpu_s * 1e3);
  if (work.flops > 0)
    std::printf("  %8.1f GFLOP/s  %7.1f GFLOP/cpu-s", work.flops / r.median_s / 1e9, work.flops / r.cpu_s / 1e9);
  if (work.bytes > 0) std::printf("  %7.1f GB/s", work.bytes / r.median_s / 1e9);
  std::printf("\n");
  std::fflush(stdout);
}

void Runner::skip(const std::string& name, const std::string& why) {
  if (!wants(name)) return;
  Result r;
  r.group = group_, r.name = name, r.note = "skipped: " + why;
  results_.push_back(r);
  std::printf("  %-56s skipped: %s\n", (group_ + "/" + name).c_str(), why.c_str());
}

void Runner::note(const std::string& text) {
  if (results_.empty()) return;
  Result& r = results_.back();
  r.note = r.note.empty() ? text : r.note + "; " + text;
  std::printf("  %-56s %s\n", "", text.c_str());
}

static bool write_json(const std::string& path, const std::vector<Result>& results, int threads) {
  using tsr::Json;
  std::vector<Json> cases;
  for (const Result& r : results) {
    std::vector<std::pair<std::string, Json>> c = {{"group", Json::make_string(r.group)},
                                                   {"name", Json::make_string(r.name)}};
    if (!r.note.empty()) c.push_back({"note", Json::make_string(r.note)});
    if (r.samples > 0) {
      auto num = [&](const char* k, double v) { c.push_back({k, Json::make_number(v)}); };
      num("median_ms", r.median_s * 1e3);
      num("min_ms", r.min_s * 1e3);
      num("max_ms", r.max_s * 1e3);
      num("mad_ms", r.mad_s * 1e3);
      num("cpu_ms", r.cpu_s * 1e3);
      num("samples", r.samples);
      num("calls_per_sample", double(r.calls_per_sample));
      num("flops", r.work.flops);
      num("bytes", r.work.bytes);
      if (r.work.flops > 0) num("gflops", r.work.flops / r.median_s / 1e9);
      if (r.work.bytes > 0) num("gbps", r.work.bytes / r.median_s / 1e9);
    }
    cases.push_back(Json::make_object(std::move(c)));
  }
  Json root = Json::make_object({{"threads", Json::make_number(threads)}, {"cases", Json::make_array(std::move(cases))}});
  std::ofstream f(path);
  f << root.dump() << "\n";
  return bool(f);
}

}  // namespace tsr::bench

int main(int argc, char** argv) {
  using namespace tsr::bench;
  Runner::Options opt;
  std::string json_path;
  int threads = 0;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) json_path = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--quick") opt.min_samples = 3, opt.max_samples = 5, opt.min_total_s = 0.05, opt.warmup = 1;
    else if (a == "--list") list = true;
    else if (a == "--help" || a == "-h") {
      std::printf("usage: tessera_bench [filter...] [--json PATH] [--threads N] [--quick] [--list]\n");
      return 0;
    } else opt.filters.push_back(a);
  }
  if (threads > 0) tsr::set_default_pool_threads(threads);
  threads = tsr::default_pool().size();
  if (list) {
    for (const Group& g : groups()) std::printf("%s\n", g.name);
    return 0;
  }
  std::printf("tessera_bench: %d threads (%u hardware)\n", threads, std::thread::hardware_concurrency());
  Runner runner(opt);
  for (const Group& g : groups()) {
    runner.set_group(g.name);
    g.fn(runner);
  }
  if (!json_path.empty() && !write_json(json_path, runner.results(), threads)) {
    std::fprintf(stderr, "tessera_bench: cannot write %s\n", json_path.c_str());
    return 1;
  }
  return 0;
}
