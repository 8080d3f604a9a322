// concat() and slice(): copies along one axis. Both see the tensor as [outer, axis·inner]
// rows, so every copy is one contiguous memcpy per row and part.
#include <algorithm>
#include <cstring>

#include "backend/cpu/cpu_backend.h"

namespace tsr::cpu {

static int64_t prod(const Shape& s, int from, int to) {
  int64_t n = 1;
  for (int i = from; i < to; ++i) n *= s[i];
  return n;
}

Tensor CpuBackend::concat(const std::vector<Tensor>& parts, int dim) {
  if (parts.empty()) return fail(Error(Code::InvalidArgument, "concat: no parts"));
  for (const Tensor& p : parts)
    if (!p.defined()) return Tensor();
  for (const Tensor& p : parts)
    if (!check_f32(p, "concat", "part")) return Tensor();
  const Shape& s0 = parts[0].shape();
  const int nd = int(s0.size());
  const int d = dim < 0 ? dim + nd : dim;
  if (d < 0 || d >= nd) return fail(Error(Code::InvalidArgument, "concat: dim %d of %d-d tensors", dim, nd));
  Shape out_shape = s0;
  out_shape[d] = 0;
  for (const Tensor& p : parts) {
    bool ok = p.ndim() == nd;
    for (int i = 0; ok && i < nd; ++i) ok = i == d || p.dim(i) == s0[i];
    if (!ok)
      return fail(Error(Code::ShapeMismatch, "concat: part %s does not match %s outside dim %d",
                        shape_str(p.shape()).c_str(), shape_str(s0).c_str(), d));
    out_shape[d] += p.dim(d);
  }
  Tensor y = alloc(out_shape, "concat");
  if (!y.defined() || y.numel() == 0) return y;
  const int64_t outer = prod(s0, 0, d), inner = prod(s0, d + 1, nd);
  const int64_t out_row = out_shape[d] * inner;
  float* yp = y.data_as<float>();
  pool().parallel_for(outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, out_row)), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      float* dst = yp + o * out_row;
      for (const Tensor& p : parts) {
        const int64_t n = p.dim(d) * inner;
        if (n) std::memcpy(dst, p.data_as<float>() + o * n, size_t(n) * sizeof(float));
        dst += n;
      }
    }
  });
  return y;
}

Tensor CpuBackend::slice(const Tensor& x, int dim, int64_t begin, int64_t end) {
  if (!x.defined()) return Tensor();
  if (!check_f32(x, "slice", "x")) return Tensor();
  const int nd = x.ndim();
  const int d = dim < 0 ? dim + nd : dim;
  if (d < 0 || d >= nd) return fail(Error(Code::InvalidArgument, "slice: dim %d of a %d-d tensor", dim, nd));
  if (begin < 0 || begin > end || end > x.dim(d))
    return fail(Error(Code::InvalidArgument, "slice: [%lld, %lld) outside [0, %lld) on dim %d of %s", (long long)begin,
                      (long long)end, (long long)x.dim(d), d, shape_str(x.shape()).c_str()));
  Shape out_shape = x.shape();
  out_shape[d] = end - begin;
  Tensor y = alloc(out_shape, "slice");
  if (!y.defined() || y.numel() == 0) return y;
  const int64_t outer = prod(x.shape(), 0, d), inner = prod(x.shape(), d + 1, nd);
  const int64_t in_row = x.dim(d) * inner, out_row = (end - begin) * inner;
  const float* xp = x.data_as<float>() + begin * inner;
  float* yp = y.data_as<float>();
  pool().parallel_for(outer, std::max<int64_t>(1, 16384 / out_row), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      std::memcpy(yp + o * out_row, xp + o * in_row, size_t(out_row) * sizeof(float));
  });
  return y;
}

}  // namespace tsr::cpu
