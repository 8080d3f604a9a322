// Memory accounting, transfers (zero-copy f32 weights, bf16/f16 conversion) and the
// out-of-memory / impossible-size paths of the CPU backend.
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "ops_support.h"

using namespace tsr;
using namespace tsr::test;

TSR_TEST(ops_memory, accounting_and_peak) {
  auto be = make_cpu_backend();
  const MemoryStats s0 = be->memory();
  CHECK(s0.in_use == 0);
  CHECK(s0.total > 0 && s0.free > 0 && s0.free <= s0.total);
  {
    Tensor a = be->empty({1000, 250});  // 1,000,000 bytes
    CHECK(be->memory().in_use == 1000000);
    Tensor b = be->add(a, a);
    CHECK(be->memory().in_use == 2000000);
    CHECK(be->memory().peak == 2000000);
  }
  CHECK(be->memory().in_use == 0);
  CHECK(be->memory().peak == 2000000);
  be->reset_peak();
  CHECK(be->memory().peak == 0);
  // A tensor may outlive its backend; freeing it later must be safe.
  Tensor survivor = be->empty({16});
  be.reset();
  survivor = Tensor();
}

TSR_TEST(ops_memory, large_blocks_are_reused) {
  auto be = make_cpu_backend();
  void* first;
  {
    Tensor a = be->empty({1024, 1024});  // 4 MiB: cached when freed
    first = a.data();
    CHECK(be->memory().in_use == 4u << 20);
  }
  CHECK(be->memory().in_use == 0);
  Tensor b = be->empty({1024, 1024});
  CHECK(b.data() == first);
  CHECK(be->memory().in_use == 4u << 20);
  b = Tensor();
  // A limit that leaves no room for the cached block: the cache is emptied, the allocation
  // of a different size succeeds within the limit.
  auto& cpu = static_cast<cpu::CpuBackend&>(*be);
  cpu.set_memory_limit(6u << 20);
  Tensor c = be->empty({1536, 1024});  // 6 MiB
  CHECK(c.defined());
  CHECK_OK(be->status());
  CHECK(!be->empty({16}).defined());
  CHECK_CODE(be->status(), Code::OutOfMemory);
}

TSR_TEST(ops_memory, out_of_memory_and_impossible_sizes) {
  auto be = make_cpu_backend();
  // Far beyond any machine's RAM: refused before touching memory.
  CHECK(!be->empty({int64_t(1) << 40, 1024}).defined());
  CHECK_CODE(be->status(), Code::OutOfMemory);
  be->clear_error();
  CHECK(!be->empty({-3, 4}).defined());
  CHECK_CODE(be->status(), Code::InvalidSize);
  be->clear_error();
  CHECK(!be->empty({int64_t(1) << 40, int64_t(1) << 40}).defined());
  CHECK_CODE(be->status(), Code::InvalidSize);
  be->clear_error();
  // With a limit, an op whose output does not fit fails cleanly and stays failed.
  auto& cpu = static_cast<cpu::CpuBackend&>(*be);
  Rng rng(600);
  Tensor x = be->from_host(random_tensor(rng, {64, 64}));
  Tensor w = be->upload(random_tensor(rng, {64, 64}), WeightKind::Matrix);
  cpu.set_memory_limit(be->memory().in_use + 1000);
  CHECK(!be->linear(x, w, nullptr, Act::None).defined());
  CHECK_CODE(be->status(), Code::OutOfMemory);
  CHECK(!be->add(x, x).defined());
  CHECK_CODE(be->status(), Code::OutOfMemory);
  cpu.set_memory_limit(0);
  be->clear_error();
  CHECK(be->linear(x, w, nullptr, Act::None).defined());
  CHECK_OK(be->status());
}

TSR_TEST(ops_memory, transfers) {
  auto be = make_cpu_backend();
  Rng rng(601);
  Tensor wh = random_tensor(rng, {7, 9});
  // f32 weights with an owner are used in place: same storage, not counted.
  Tensor w = be->upload(wh, WeightKind::Vector);
  CHECK(w.data() == wh.data());
  CHECK(be->memory().in_use == 0);
  // Activations are always copies (ops may write them in place).
  Tensor a = be->from_host(wh);
  CHECK(a.data() != wh.data());
  CHECK(bit_equal(be->to_host(a), wh));
  // Borrowed memory (no owner) is copied.
  Tensor borrowed = Tensor::wrap(wh.data(), DType::F32, wh.shape(), DeviceKind::Cpu, nullptr);
  CHECK(be->upload(borrowed, WeightKind::Conv).data() != wh.data());
  // bf16 and f16 are converted exactly.
  for (DType dt : {DType::BF16, DType::F16}) {
    Tensor h = host_empty(dt, {7, 9});
    convert_from_f32(wh.data_as<float>(), h.data(), dt, size_t(wh.numel()));
    Tensor ref = host_to_f32(h);
    Tensor up = be->upload(h, WeightKind::Matrix);
    CHECK(up.dtype() == DType::F32);
    CHECK(bit_equal(be->to_host(up), ref));
    CHECK(bit_equal(be->to_host(be->from_host(h)), ref));
  }
  // Integer tensors are not weights.
  CHECK(!be->upload(host_empty(DType::I32, {3}), WeightKind::Vector).defined());
  CHECK_CODE(be->status(), Code::UnsupportedDtype);
  be->clear_error();
  CHECK(!be->upload(Tensor(), WeightKind::Vector).defined());
  CHECK_OK(be->status());
  CHECK(std::string(be->name()) == "cpu");
  CHECK(be->device() == DeviceKind::Cpu);
}

TSR_TEST(ops_memory, packed_linear_weights) {
  auto be = make_cpu_backend();
  Rng rng(602);
  Tensor wh = random_tensor(rng, {37, 23});
  Tensor w = be->upload(wh, WeightKind::Matrix);
  REQUIRE(w.defined());
  CHECK(w.shape() == wh.shape());
  CHECK(w.data() != wh.data());
  CHECK(be->memory().in_use > 0);  // the packed copy is ours
  CHECK(bit_equal(be->to_host(w), wh));
  CHECK(bit_equal(be->to_host(be->from_host(w)), wh));
  CHECK(be->upload(w, WeightKind::Matrix).data() == w.data());  // already packed
  // Only linear() and to_host() read the panels; other ops refuse them, and views of them.
  CHECK(!be->add(w, w).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  Tensor x = be->from_host(random_tensor(rng, {5, 23}));
  CHECK(!be->linear(x, w.rows(1, 30), nullptr, Act::None).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->linear(be->from_host(random_tensor(rng, {5, 37})), w.reshape({23, 37}), nullptr, Act::None).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  CHECK(!be->to_host(w.rows(2, 3)).defined());
  CHECK_CODE(be->status(), Code::InvalidArgument);
  be->clear_error();
  // bf16 weights are converted while packing.
  Tensor hb = host_empty(DType::BF16, {37, 23});
  convert_from_f32(wh.data_as<float>(), hb.data(), DType::BF16, size_t(wh.numel()));
  CHECK(bit_equal(be->to_host(be->upload(hb, WeightKind::Matrix)), host_to_f32(hb)));
  // Matrix weights of more dims (1×1 convs, patch embedding) pack as [dim 0, rest] and are
  // used after a reshape to 2-d.
  Tensor w4h = random_tensor(rng, {6, 4, 1, 2});
  Tensor w4 = be->upload(w4h, WeightKind::Matrix);
  CHECK(bit_equal(be->to_host(w4), w4h));
  Tensor x8h = random_tensor(rng, {3, 8});
  Tensor y4 = be->to_host(be->linear(be->from_host(x8h), w4.reshape({6, 8}), nullptr, Act::None));
  Tensor y4_ref = be->to_host(be->linear(be->from_host(x8h), be->upload(w4h.reshape({6, 8}), WeightKind::Conv), nullptr,
                                         Act::None));
  CHECK_REL_L2(rel_l2(y4, y4_ref), 1e-6);  // packed panels vs row-major dot products
  CHECK_OK(be->status());
  // Freed packed buffers leave the registry: the same address reused for an activation is fine.
  w = Tensor();
  CHECK(be->memory().in_use < 37 * 23 * 4 * 4);
  CHECK_OK(be->status());
}
