// permute(): y = x.permute(perm) materialised.
//
// Dimensions that stay adjacent (and size-1 dimensions) are merged first, so the common
// cases reduce to a few dims. When the output's innermost dimension is also innermost in the
// input, rows are copied whole; otherwise the two innermost dims (the input's and the
// output's) are transposed in 32×32 tiles so both sides are read and written in cache lines.
#include <algorithm>
#include <cstring>

#include "backend/cpu/cpu_backend.h"

namespace tsr::cpu {

namespace {

constexpr int kMaxDims = 8;

struct Plan {
  int nd = 0;
  int64_t size[kMaxDims];    // output dims after merging
  int64_t stride[kMaxDims];  // input stride of each output dim (elements)
};

Plan make_plan(const Shape& in, const std::vector<int>& perm) {
  const int n = int(in.size());
  int64_t in_stride[kMaxDims];
  int64_t s = 1;
  for (int i = n - 1; i >= 0; --i) {
    in_stride[i] = s;
    s *= in[i];
  }
  Plan p;
  for (int i = 0; i < n; ++i) {
    const int64_t sz = in[perm[i]], st = in_stride[perm[i]];
    if (sz == 1) continue;
    // Merge with the previous output dim when it steps over exactly this one in the input.
    if (p.nd > 0 && p.stride[p.nd - 1] == st * sz) {
      p.size[p.nd - 1] *= sz;
      p.stride[p.nd - 1] = st;
      continue;
    }
    p.size[p.nd] = sz;
    p.stride[p.nd] = st;
    ++p.nd;
  }
  return p;
}

// Input offset of the outer index `o` over dims [0, nd) except `skip_a` and `skip_b`
// (odometer order, last dim fastest); out_off gets the matching output offset.
int64_t outer_offsets(const Plan& p, const int64_t* out_stride, int64_t o, int skip_a, int skip_b,
                      int64_t& out_off) {
  int64_t in_off = 0;
  out_off = 0;
  for (int d = p.nd - 1; d >= 0; --d) {
    if (d == skip_a || d == skip_b) continue;
    const int64_t i = o % p.size[d];
    o /= p.size[d];
    in_off += i * p.stride[d];
    out_off += i * out_stride[d];
  }
  return in_off;
}

}  // namespace

Tensor CpuBackend::permute(const Tensor& x, const std::vector<int>& perm) {
  if (!x.defined()) return Tensor();
  if (!check_f32(x, "permute", "x")) return Tensor();
  const int n = x.ndim();
  bool valid = int(perm.size()) == n && n <= kMaxDims;
  std::vector<bool> seen(size_t(n), false);
  for (int i = 0; valid && i < int(perm.size()); ++i) {
    valid = perm[i] >= 0 && perm[i] < n && !seen[size_t(perm[i])];
    if (valid) seen[size_t(perm[i])] = true;
  }
  if (!valid)
    return fail(Error(Code::InvalidArgument, "permute: perm of %zu entries is not a permutation of the %d dims of %s",
                      perm.size(), n, shape_str(x.shape()).c_str()));
  Shape out_shape(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out_shape[size_t(i)] = x.dim(perm[size_t(i)]);
  Tensor y = alloc(out_shape, "permute");
  if (!y.defined() || y.numel() == 0) return y;

  const float* xp = x.data_as<float>();
  float* yp = y.data_as<float>();
  const Plan p = make_plan(x.shape(), perm);
  if (p.nd <= 1) {  // the identity after merging
    std::memcpy(yp, xp, x.nbytes());
    return y;
  }
  int64_t out_stride[kMaxDims];
  int64_t s = 1;
  for (int d = p.nd - 1; d >= 0; --d) {
    out_stride[d] = s;
    s *= p.size[d];
  }
  const int last = p.nd - 1;

  if (p.stride[last] == 1) {
    // Whole rows: the output's innermost run is contiguous in the input.
    const int64_t len = p.size[last], rows = x.numel() / len;
    pool().parallel_for(rows, std::max<int64_t>(1, 8192 / len), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        int64_t out_off;
        const int64_t in_off = outer_offsets(p, out_stride, r, last, -1, out_off);
        std::memcpy(yp + out_off, xp + in_off, size_t(len) * sizeof(float));
      }
    });
    return y;
  }

  // Tiled transpose of output dims a (input stride 1) and last (output stride 1).
  int a = 0;
  for (int d = 0; d < p.nd; ++d)
    if (p.stride[d] == 1) a = d;
  constexpr int64_t kTile = 32;
  const int64_t na = p.size[a], nl = p.size[last];
  const int64_t ta = (na + kTile - 1) / kTile, tl = (nl + kTile - 1) / kTile;
  const int64_t outer = x.numel() / (na * nl);
  const int64_t sl = p.stride[last], oa = out_stride[a];
  pool().parallel_for(outer * ta, 1, [&](int64_t w0, int64_t w1) {
    for (int64_t w = w0; w < w1; ++w) {
      int64_t out_off;
      const int64_t in_off = outer_offsets(p, out_stride, w / ta, a, last, out_off);
      const int64_t a0 = (w % ta) * kTile, a1 = std::min(na, a0 + kTile);
      for (int64_t t = 0; t < tl; ++t) {
        const int64_t l0 = t * kTile, l1 = std::min(nl, l0 + kTile);
        for (int64_t ia = a0; ia < a1; ++ia) {
          const float* src = xp + in_off + ia;
          float* dst = yp + out_off + ia * oa;
          for (int64_t il = l0; il < l1; ++il) dst[il] = src[il * sl];
        }
      }
    }
  });
  return y;
}

}  // namespace tsr::cpu
