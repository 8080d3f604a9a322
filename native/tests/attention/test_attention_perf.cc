// Throughput report for the CPU attention (prints GFLOP/s; runs only with TSR_PERF=1 so the
// regular suite stays fast). FLOPs are counted as 4·Nq·Nk·d per head times the kept fraction.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>

#include "attention/cpu_attention.h"
#include "attention/cpu_kernels.h"
#include "attention/patterns.h"
#include "harness.h"

using namespace tsr;

namespace {
double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void report(const char* what, const AttnSpec& spec, int64_t n, double kept) {
  test::Rng rng(7);
  int64_t ld = int64_t(spec.heads) * spec.head_dim;
  Tensor q = test::random_tensor(rng, {n, ld}), k = test::random_tensor(rng, {n, ld});
  Tensor v = test::random_tensor(rng, {n, ld}), out = host_empty(DType::F32, {n, ld});
  CHECK_OK(cpu_attention(q, k, v, out, spec, default_pool()));  // warm-up
  int reps = 3;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) CHECK_OK(cpu_attention(q, k, v, out, spec, default_pool()));
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
  double flops = 4.0 * double(n) * double(n) * spec.head_dim * spec.heads * kept;
  std::printf("    %-34s N=%-6lld heads=%d d=%d threads=%d: %8.2f ms  %6.1f GFLOP/s\n", what, (long long)n,
              spec.heads, spec.head_dim, default_pool().size(), s * 1e3, flops / s * 1e-9);
  // One thread, CPU time: comparable across runs on a busy machine.
  ThreadPool one(1);
  double c0 = thread_cpu_seconds();
  CHECK_OK(cpu_attention(q, k, v, out, spec, one));
  double c = thread_cpu_seconds() - c0;
  std::printf("    %-34s 1 thread, CPU time:            %8.2f ms  %6.1f GFLOP/s (%s)\n", "", c * 1e3,
              flops / c * 1e-9, attn_cpu::simd_variant());
}
}  // namespace

TSR_TEST(attention, perf_report) {
  if (!std::getenv("TSR_PERF")) return;
  AttnSpec spec;
  spec.heads = 4;
  spec.head_dim = 128;
  spec.grid[0] = 5; spec.grid[1] = 30; spec.grid[2] = 52;  // 7800 tokens
  int64_t n = 7800;
  report("dense", spec, n, 1.0);
  spec.head_dim = 64;
  report("dense", spec, n, 1.0);
  spec.head_dim = 128;
  HeadPattern p;
  p.kind = AttnPattern::Sta;
  p.window[0] = 1; p.window[1] = 3; p.window[2] = 3;
  spec.tile[0] = 1; spec.tile[1] = 8; spec.tile[2] = 8;
  spec.per_head.assign(4, p);
  TileLayout L(spec.grid, spec.tile);
  PatternStats st = pattern_stats(L, p);
  report("sta (1,3,3) tiles (1,8,8)", spec, n, 1.0 - st.token_sparsity);
}
