// Uploads. Host-to-device copies go through pinned staging buffers and return before the DMA
// ends: the data must still be exactly the source's as it was at the call, even when the
// caller overwrites its buffer right away, across chunk boundaries, and in stream order with
// compute. Weights share 64 MiB slabs: exact contents, alignment, and memory accounting.
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

TSR_TEST(cuda_copies, small_weights_share_slabs) {
  if (!have_gpu()) return;
  auto g = make_cuda_backend(0, CudaPath::Auto);
  REQUIRE(g.ok());
  Backend& G = **g;
  Rng rng(72);
  const uint64_t base = G.memory().in_use;
  std::vector<Tensor> host, dev;
  for (int i = 0; i < 300; ++i) {  // biases, norms and 1536x1536 bf16 matrices of a DiT layer
    const bool matrix = i % 10 == 0;
    Tensor h = matrix ? random_tensor(rng, {1536, 1536}, 0.02f) : random_tensor(rng, {int64_t(1 + i * 7)}, 1.0f);
    host.push_back(h);
    dev.push_back(G.upload(h, matrix ? WeightKind::Matrix : WeightKind::Vector));
    REQUIRE(dev.back().defined());
    CHECK(reinterpret_cast<uintptr_t>(dev.back().data()) % 256 == 0);
  }
  // 30 matrices of 4.5 MiB and 270 small vectors: 3 slabs (a block of its own each was 6 MiB).
  const uint64_t used = G.memory().in_use - base;
  CHECK(used == 3ull * (64 << 20));
  for (size_t i = 0; i < dev.size(); ++i) {
    Tensor back = G.to_host(dev[i]);  // as float32
    REQUIRE(back.defined());
    if (dev[i].dtype() == DType::F32) {
      CHECK(std::memcmp(back.data(), host[i].data(), size_t(host[i].numel()) * 4) == 0);
    } else {
      const float *b = back.data_as<float>(), *h = host[i].data_as<float>();
      bool ok = true;
      for (int64_t j = 0; j < host[i].numel(); ++j) ok &= b[j] == bf16_to_f32(f32_to_bf16(h[j]));
      CHECK(ok);
    }
  }
  // Weights of half a slab or more get their own block; freeing everything returns the
  // slabs except the one still being filled.
  Tensor big = G.upload(random_tensor(rng, {4096, 4096}, 0.02f), WeightKind::Matrix);  // 32 MiB bf16
  REQUIRE(big.defined());
  CHECK(G.memory().in_use - base == used + (32ull << 20));
  dev.clear();
  big = Tensor();
  CHECK(G.memory().in_use - base == 64ull << 20);
  CHECK_OK(G.status());
}
#endif
