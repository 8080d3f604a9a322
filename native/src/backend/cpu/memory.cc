#include "backend/cpu/memory.h"

#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/packed_weight.h"
#include "core/threadpool.h"

namespace tsr::cpu {

HostRam host_ram() {
  HostRam r;
  if (FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    unsigned long long kb;
    while (std::fgets(line, sizeof line, f)) {
      if (std::sscanf(line, "MemTotal: %llu kB", &kb) == 1) r.total = kb * 1024ull;
      else if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1) r.free = kb * 1024ull;
    }
    std::fclose(f);
  }
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  if (r.total == 0) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && size > 0) r.total = uint64_t(pages) * uint64_t(size);
  }
#endif
#if defined(_SC_AVPHYS_PAGES) && defined(_SC_PAGESIZE)
  if (r.free == 0) {
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && size > 0) r.free = uint64_t(pages) * uint64_t(size);
  }
#endif
  return r;
}

void MemCounter::add(uint64_t n) {
  uint64_t now = in_use.fetch_add(n) + n;
  uint64_t p = peak.load();
  while (now > p && !peak.compare_exchange_weak(p, now)) {
  }
}

// Blocks at least this large are cached and rounded to kCacheGrain; smaller ones come from
// malloc's own pools, which already reuse memory without faults.
constexpr uint64_t kCacheMin = uint64_t(1) << 20;
constexpr uint64_t kCacheGrain = uint64_t(1) << 16;

// Most bytes the cache keeps: an eighth of RAM, at most 4 GiB.
static uint64_t cache_cap() {
  static const uint64_t cap = std::min<uint64_t>(host_ram().total / 8, uint64_t(4) << 30);
  return cap;
}

void* MemCounter::take(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < blocks_.size(); ++i)
    if (blocks_[i].first == bytes) {
      void* p = blocks_[i].second;
      blocks_[i] = blocks_.back();
      blocks_.pop_back();
      cached_ -= bytes;
      return p;
    }
  return nullptr;
}

bool MemCounter::give(void* p, uint64_t bytes) {
  if (bytes < kCacheMin) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_ + bytes > cache_cap()) return false;
  blocks_.push_back({bytes, p});
  cached_ += bytes;
  return true;
}

void MemCounter::trim() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& b : blocks_) std::free(b.second);
  blocks_.clear();
  cached_ = 0;
}

uint64_t MemCounter::cached() {
  std::lock_guard<std::mutex> lock(mu_);
  return cached_;
}

CpuBackend::CpuBackend() : mem_(std::make_shared<MemCounter>()) {}

// Element count of `shape` with every dimension checked, so that a corrupt header or an
// impossible size becomes an error instead of a wrapped-around allocation.
static bool checked_numel(const Shape& shape, int64_t& out) {
  const int64_t kMax = int64_t(1) << 60;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (d != 0 && n > kMax / d) return false;
    n *= d;
  }
  out = n;
  return true;
}

Tensor CpuBackend::alloc(const Shape& shape, const char* op) {
  int64_t n = 0;
  if (!checked_numel(shape, n))
    return fail(Error(Code::InvalidSize, "%s: impossible tensor shape %s", op, shape_str(shape).c_str()));
  const uint64_t bytes = uint64_t(n) * sizeof(float);
  const uint64_t grain = bytes >= kCacheMin ? kCacheGrain : 64;
  const uint64_t rounded = std::max<uint64_t>(64, (bytes + grain - 1) / grain * grain);
  uint64_t limit = mem_->limit.load();
  if (limit == 0) {
    static const uint64_t ram_total = host_ram().total;  // read /proc once, not per allocation
    limit = ram_total;
  }
  void* p = rounded >= kCacheMin ? mem_->take(rounded) : nullptr;
  if (!p) {
    // Linux overcommits, so a request larger than RAM would "succeed" and be killed later on
    // first touch; refuse it here instead. Cached blocks are given back first.
    if (limit != 0 && mem_->in_use.load() + mem_->cached() + rounded > limit) mem_->trim();
    if (limit != 0 && mem_->in_use.load() + rounded > limit)
      return fail(Error(Code::OutOfMemory, "%s: %s float32 needs %.3g GB, limit %.3g GB with %.3g GB in use",
                        op, shape_str(shape).c_str(), double(bytes) / 1e9, double(limit) / 1e9,
                        double(mem_->in_use.load()) / 1e9));
    p = std::aligned_alloc(64, rounded);
    if (!p) {
      mem_->trim();
      p = std::aligned_alloc(64, rounded);
    }
    if (!p)
      return fail(Error(Code::OutOfMemory, "%s: allocation of %.3g GB failed", op, double(bytes) / 1e9));
  }
  mem_->add(rounded);
  std::shared_ptr<MemCounter> counter = mem_;
  std::shared_ptr<void> owner(p, [counter, rounded](void* q) {
    counter->sub(rounded);
    if (!counter->give(q, rounded)) std::free(q);
  });
  return Tensor::wrap(p, DType::F32, shape, DeviceKind::Cpu, std::move(owner));
}

bool CpuBackend::check_f32(const Tensor& t, const char* op, const char* what) {
  if (t.device() != DeviceKind::Cpu) {
    fail(Error(Code::InvalidArgument, "%s: %s is not a CPU tensor", op, what));
    return false;
  }
  if (t.dtype() != DType::F32) {
    fail(Error(Code::UnsupportedDtype, "%s: %s is %s, the CPU backend computes in f32 (upload it first)",
               op, what, dtype_name(t.dtype())));
    return false;
  }
  if (!t.data() && t.numel() != 0) {
    fail(Error(Code::InvalidArgument, "%s: %s has no storage", op, what));
    return false;
  }
  if (find_packed(t.data())) {
    fail(Error(Code::InvalidArgument, "%s: %s is a packed linear weight (uploaded as WeightKind::Matrix); "
               "only linear() and to_host() read it", op, what));
    return false;
  }
  return true;
}

bool CpuBackend::check_vec(const Tensor* t, int64_t n, const char* op, const char* what) {
  if (!t) return true;
  if (!t->defined()) {
    fail(Error(Code::InvalidArgument, "%s: %s is undefined", op, what));
    return false;
  }
  if (!check_f32(*t, op, what)) return false;
  if (t->numel() != n) {
    fail(Error(Code::ShapeMismatch, "%s: %s has shape %s, expected %lld elements", op, what,
               shape_str(t->shape()).c_str(), (long long)n));
    return false;
  }
  return true;
}

static bool is_float_dtype(DType d) { return d == DType::F32 || d == DType::BF16 || d == DType::F16; }

// Converts in parallel: bf16 checkpoints of billions of parameters are converted once at load.
static void convert_parallel(const Tensor& src, float* dst) {
  const size_t esz = dtype_size(src.dtype());
  const char* s = static_cast<const char*>(src.data());
  default_pool().parallel_for(src.numel(), 1 << 16, [&](int64_t b, int64_t e) {
    convert_to_f32(s + size_t(b) * esz, src.dtype(), dst + b, size_t(e - b));
  });
}

// Row-major float32 copy of a packed weight (accounted when `accounted`).
static Tensor unpacked_copy(CpuBackend& be, const Tensor& t, const PackedInfo& info, bool accounted) {
  Tensor out = accounted ? be.alloc(t.shape(), "unpack") : host_empty(DType::F32, t.shape());
  if (!out.defined())
    return accounted ? out : be.fail(Error(Code::OutOfMemory, "to_host: allocation of %s failed",
                                           shape_str(t.shape()).c_str()));
  unpack_weight(info, out.data_as<float>());
  return out;
}

// A view into the middle of a packed weight's panels (reshapes of the whole are fine: the
// logical data is row-major [N, K] whatever the shape says).
static bool packed_view(const Tensor& t, PackedInfo& info) {
  bool exact = false;
  if (!find_packed(t.data(), &info, &exact)) return false;
  return !exact || t.numel() != info.N * info.K;
}

Tensor CpuBackend::from_host(const Tensor& host) {
  if (!host.defined()) return Tensor();
  if (host.device() != DeviceKind::Cpu || !is_float_dtype(host.dtype()))
    return fail(Error(Code::UnsupportedDtype, "from_host: expected a host float tensor, got %s on %s",
                      dtype_name(host.dtype()), host.device() == DeviceKind::Cpu ? "cpu" : "cuda"));
  PackedInfo info;
  if (find_packed(host.data(), &info)) {
    if (packed_view(host, info))
      return fail(Error(Code::InvalidArgument, "from_host: a view into a packed weight"));
    return unpacked_copy(*this, host, info, true);
  }
  Tensor out = alloc(host.shape(), "from_host");
  if (!out.defined() || out.numel() == 0) return out;
  convert_parallel(host, out.data_as<float>());
  return out;
}

Tensor CpuBackend::upload(const Tensor& host, WeightKind kind) {
  if (!host.defined()) return Tensor();
  if (host.device() != DeviceKind::Cpu || !is_float_dtype(host.dtype()))
    return fail(Error(Code::UnsupportedDtype, "upload: expected a host float tensor, got %s",
                      dtype_name(host.dtype())));
  PackedInfo info;
  if (find_packed(host.data(), &info)) {
    if (packed_view(host, info))
      return fail(Error(Code::InvalidArgument, "upload: a view into a packed weight"));
    return host;  // already ours
  }
  // Linear weights go to the GEMM's panel layout (packed_weight.h), as [dim0, rest] (1×1
  // conv or patch-embedding weights are taken as Matrix and reshaped to 2-d by the models).
  if ((kind == WeightKind::Matrix || kind == WeightKind::PreciseMatrix) && host.ndim() >= 2) {
    const int nr = gemm_nr();
    const int64_t N = host.dim(0), K = N ? host.numel() / N : 0;
    Tensor buf = alloc({packed_floats(N, K, nr)}, "upload");
    if (!buf.defined()) return buf;
    float* data = buf.data_as<float>();
    pack_weight(host, nr, data, pool());
    register_packed(PackedInfo{data, N, K, nr}, buf.nbytes());
    // The registry entry lives exactly as long as the storage.
    struct Owner {
      Owner(std::shared_ptr<void> s, const float* d) : storage(std::move(s)), data(d) {}
      Owner(const Owner&) = delete;
      ~Owner() { unregister_packed(data); }
      std::shared_ptr<void> storage;
      const float* data;
    };
    auto owner = std::make_shared<Owner>(buf.owner(), data);
    return Tensor::wrap(data, DType::F32, host.shape(), DeviceKind::Cpu, std::move(owner));
  }
  // Other float32 weights with an owner are used in place (typically an mmapped checkpoint):
  // no copy, no accounting, and the owner keeps the mapping alive as long as the weight is
  // in use. Borrowed (ownerless) or misaligned memory is copied.
  bool aligned = (reinterpret_cast<uintptr_t>(host.data()) % alignof(float)) == 0;
  if (host.dtype() == DType::F32 && host.owner() && aligned) return host;
  return from_host(host);
}

Tensor CpuBackend::to_host(const Tensor& t) {
  if (!t.defined()) return Tensor();
  PackedInfo info;
  if (t.device() == DeviceKind::Cpu && t.dtype() == DType::F32 && find_packed(t.data(), &info)) {
    if (packed_view(t, info)) return fail(Error(Code::InvalidArgument, "to_host: a view into a packed weight"));
    return unpacked_copy(*this, t, info, false);
  }
  if (!check_f32(t, "to_host", "tensor")) return Tensor();
  Tensor out = host_empty(DType::F32, t.shape());
  if (!out.defined())
    return fail(Error(Code::OutOfMemory, "to_host: allocation of %s failed", shape_str(t.shape()).c_str()));
  if (t.numel()) std::memcpy(out.data(), t.data(), t.nbytes());
  return out;
}

Tensor CpuBackend::empty(const Shape& shape) { return alloc(shape, "empty"); }

MemoryStats CpuBackend::memory() const {
  MemoryStats s;
  s.in_use = mem_->in_use.load();
  s.peak = mem_->peak.load();
  s.cached = mem_->cached();
  HostRam r = host_ram();
  s.total = r.total;
  s.free = r.free;
  return s;
}

void CpuBackend::reset_peak() { mem_->peak = mem_->in_use.load(); }

}  // namespace tsr::cpu
