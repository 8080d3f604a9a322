// The CUDA backend's memory report: blocks the caching pool keeps after a tensor is freed are
// reported as cached (neither in use nor free), which the engine's memory plan counts as
// available (engine/generate.cc plan_memory).
#ifdef TSR_WITH_CUDA
#include <memory>

#include "backend/cuda/cuda_backend.h"
#include "cuda_test_util.h"

using namespace tsr;

TSR_TEST(cuda_memory_stats, freed_blocks_are_reported_as_cached) {
  if (!test::have_gpu()) return;
  auto made = make_cuda_backend(0, CudaPath::Auto);
  REQUIRE_OK(made.status());
  Backend& be = **made;
  const uint64_t bytes = 64ull << 20;
  const MemoryStats m0 = be.memory();
  MemoryStats m1;
  {
    Tensor t = be.empty({int64_t(bytes / 4)});
    REQUIRE(t.defined());
    m1 = be.memory();
    CHECK(m1.in_use == m0.in_use + bytes);
    CHECK(m1.cached == m0.cached);
    CHECK(m1.free + bytes <= m0.free);
  }
  const MemoryStats m2 = be.memory();
  CHECK(m2.in_use == m0.in_use);
  CHECK(m2.cached == m0.cached + bytes);
  // The block stayed with the pool: the driver's free memory did not grow back, and
  // free + in use + cached is the same before and after the free.
  CHECK(m2.free <= m1.free + (2ull << 20));
  CHECK_NEAR(double(m2.free + m2.in_use + m2.cached), double(m1.free + m1.in_use + m1.cached), double(2 << 20));
  // The same size again comes out of the cache.
  Tensor u = be.empty({int64_t(bytes / 4)});
  REQUIRE(u.defined());
  CHECK(be.memory().cached == m0.cached);
  CHECK(be.memory().in_use == m0.in_use + bytes);
}
#endif
