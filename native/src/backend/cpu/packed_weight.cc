#include "backend/cpu/packed_weight.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

namespace tsr::cpu {

int64_t packed_floats(int64_t N, int64_t K, int nr) { return (N + nr - 1) / nr * nr * K; }

void pack_weight(const Tensor& w, int nr, float* dst, ThreadPool& pool) {
  const int64_t N = w.dim(0), K = N ? w.numel() / N : 0;
  const int64_t panels = (N + nr - 1) / nr;
  const size_t esz = dtype_size(w.dtype());
  const char* src = static_cast<const char*>(w.data());
  pool.parallel_for(panels, 1, [&](int64_t q0, int64_t q1) {
    std::vector<float> row(static_cast<size_t>(K));
    for (int64_t q = q0; q < q1; ++q) {
      float* panel = dst + q * K * nr;
      for (int c = 0; c < nr; ++c) {
        const int64_t n = q * nr + c;
        if (n < N) convert_to_f32(src + size_t(n * K) * esz, w.dtype(), row.data(), size_t(K));
        else std::fill(row.begin(), row.end(), 0.0f);
        for (int64_t k = 0; k < K; ++k) panel[k * nr + c] = row[size_t(k)];
      }
    }
  });
}

void unpack_weight(const PackedInfo& p, float* dst) {
  for (int64_t n = 0; n < p.N; ++n) {
    const float* panel = p.data + (n / p.nr) * p.K * p.nr + n % p.nr;
    for (int64_t k = 0; k < p.K; ++k) dst[n * p.K + k] = panel[k * p.nr];
  }
}

namespace {

struct Entry {
  PackedInfo info;
  uintptr_t end;
};

std::mutex& registry_mu() {
  static std::mutex mu;
  return mu;
}

std::map<uintptr_t, Entry>& registry() {
  static std::map<uintptr_t, Entry> r;
  return r;
}

}  // namespace

void register_packed(const PackedInfo& info, size_t bytes) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(info.data);
  std::lock_guard<std::mutex> lock(registry_mu());
  registry()[start] = Entry{info, start + std::max<size_t>(bytes, 1)};
}

void unregister_packed(const float* data) {
  std::lock_guard<std::mutex> lock(registry_mu());
  registry().erase(reinterpret_cast<uintptr_t>(data));
}

bool find_packed(const void* p, PackedInfo* info, bool* exact) {
  if (!p) return false;
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(registry_mu());
  auto& r = registry();
  if (r.empty()) return false;
  auto it = r.upper_bound(a);  // first buffer starting after p
  if (it == r.begin()) return false;
  --it;
  if (a >= it->second.end) return false;
  if (info) *info = it->second.info;
  if (exact) *exact = a == it->first;
  return true;
}

}  // namespace tsr::cpu
