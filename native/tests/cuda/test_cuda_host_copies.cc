// Host-to-device copies go through pinned staging buffers and return before the DMA ends:
// the data must still be exactly the source's as it was at the call, even when the caller
// overwrites its buffer right away, across chunk boundaries, and in stream order with compute.
#ifdef TSR_WITH_CUDA
#include <cstring>
#include <memory>

#include "backend/cuda/cuda_backend.h"
#include "cuda_test_util.h"

using namespace tsr;
using namespace tsr::test;

TSR_TEST(cuda_copies, staged_uploads_keep_the_source_as_it_was) {
  if (!have_gpu()) return;
  auto g = make_cuda_backend(0, CudaPath::Auto);
  REQUIRE(g.ok());
  Backend& G = **g;
  Rng rng(71);
  // 1 element, one byte short of a 64 MiB staging chunk, and 2.5 chunks (three DMAs that
  // alternate between the two buffers).
  for (int64_t n : {int64_t(1), int64_t(16 << 20) - 1, int64_t(40 << 20)}) {
    Tensor src = random_tensor(rng, {n}, 1.0f);
    Tensor keep = host_empty(DType::F32, {n});
    std::memcpy(keep.data(), src.data(), size_t(n) * 4);
    Tensor d = G.from_host(src);
    Tensor w = G.upload(src, WeightKind::Vector);
    // The caller's buffer is reused at once: what was staged must not change.
    std::memset(src.data(), 0xFF, size_t(n) * 4);
    Tensor back = G.to_host(d), back_w = G.to_host(w);
    REQUIRE(back.defined() && back_w.defined());
    CHECK(std::memcmp(back.data(), keep.data(), size_t(n) * 4) == 0);
    CHECK(std::memcmp(back_w.data(), keep.data(), size_t(n) * 4) == 0);
  }
  // Many small uploads interleaved with device work that reads them.
  Tensor zero = host_empty(DType::F32, {1024});
  std::memset(zero.data(), 0, 4096);
  Tensor acc = G.from_host(zero);
  Tensor ones = host_empty(DType::F32, {1024});
  float* o = ones.data_as<float>();
  for (int i = 0; i < 50; ++i) {
    for (int j = 0; j < 1024; ++j) o[j] = float(i);
    Tensor t = G.from_host(ones);
    acc = G.add(acc, t);
  }
  Tensor sum = G.to_host(acc);
  REQUIRE(sum.defined());
  const float* s = sum.data_as<float>();
  bool all = true;
  for (int j = 0; j < 1024; ++j) all &= s[j] == 1225.0f;  // 0 + 1 + ... + 49
  CHECK(all);
  CHECK_OK(G.status());
}
#endif
