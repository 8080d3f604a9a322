// embedding(): rows of a [vocab, dim] table gathered by token id.
#include <algorithm>
#include <cstring>

#include "backend/cpu/cpu_backend.h"

namespace tsr::cpu {

Tensor CpuBackend::embedding(const Tensor& table, const std::vector<int32_t>& ids) {
  if (!table.defined()) return Tensor();
  if (!check_f32(table, "embedding", "table")) return Tensor();
  if (table.ndim() != 2)
    return fail(Error(Code::ShapeMismatch, "embedding: table %s is not [vocab, dim]", shape_str(table.shape()).c_str()));
  const int64_t vocab = table.dim(0), dim = table.dim(1);
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= vocab)
      return fail(Error(Code::InvalidArgument, "embedding: id %d at position %zu outside the vocabulary of %lld",
                        ids[i], i, (long long)vocab));
  Tensor out = alloc({int64_t(ids.size()), dim}, "embedding");
  if (!out.defined() || out.numel() == 0) return out;
  const float* tp = table.data_as<float>();
  float* op = out.data_as<float>();
  pool().parallel_for(int64_t(ids.size()), std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dim)),
                      [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(op + i * dim, tp + ids[i] * dim, size_t(dim) * sizeof(float));
  });
  return out;
}

}  // namespace tsr::cpu
