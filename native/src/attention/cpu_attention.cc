// CPU attention driver: splits the work into (head, query group) items, and for each item
// walks only the key groups its pattern keeps, FlashAttention-style (online softmax over
// key groups, nothing of size queries x keys is ever stored).
//
// A "group" is a list of token indices gathered into a small padded buffer:
//   dense / Attention Tile / umT5: contiguous rows (Attention Tile query groups stay
//     inside one latent frame, so their key set is one or two contiguous row ranges);
//   STA: the tokens of one tile, and the key tiles of the query tile's window box.
#include "attention/cpu_attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <new>
#include <vector>

#include "attention/cpu_kernels.h"
#include "attention/patterns.h"
#include "attention/rel_bucket.h"

namespace tsr {
namespace {

using attn_cpu::kCols;
using attn_cpu::kRows;
using attn_cpu::round_up;

constexpr int kQueryGroup = 128;  // contiguous query rows per work item
constexpr int kKeyGroup = 256;    // contiguous keys per gathered key block
constexpr int kSubRows = 32;      // query rows per S block (S stays in L1/L2)

struct Item {
  int head = 0;
  int64_t q0 = 0, q1 = 0;  // query rows [q0, q1) (dense, Attention Tile)
  int64_t qtile = -1;      // STA: query tile index
};

// Everything the per-item code needs, resolved once per call.
struct Problem {
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* out = nullptr;
  int64_t nq = 0, nk = 0, ld = 0;  // ld: row stride of q/k/v/out (heads * head_dim)
  int heads = 0, d = 0;
  float scale = 1;
  int64_t key_len = 0;           // keys actually attended (dense)
  std::vector<float> bias_by_r;  // [heads][nq + nk - 1]: bias of distance r = j - i
  TileLayout layout;
  std::vector<HeadPattern> patterns;  // size heads
};

// Per-thread scratch, reused across the items of a chunk.
struct Scratch {
  std::vector<int64_t> qidx, kidx;
  std::vector<float> Q, Kt, V, S, O, m, l;
};

void gather_queries(const Problem& P, int h, Scratch& s) {
  int64_t n = int64_t(s.qidx.size());
  int64_t rows_p = round_up(n, kRows);
  s.Q.assign(size_t(rows_p * P.d), 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    const float* src = P.q + s.qidx[i] * P.ld + int64_t(h) * P.d;
    float* dst = s.Q.data() + i * P.d;
    for (int c = 0; c < P.d; ++c) dst[c] = src[c] * P.scale;
  }
}

// Kt [d, keys_p] and V [keys_p, dv_p] for the keys listed in s.kidx.
void gather_keys(const Problem& P, int h, Scratch& s, int64_t keys_p, int64_t dv_p) {
  int64_t n = int64_t(s.kidx.size());
  s.Kt.assign(size_t(P.d * keys_p), 0.0f);
  s.V.assign(size_t(keys_p * dv_p), 0.0f);
  for (int64_t j = 0; j < n; ++j) {
    const float* ks = P.k + s.kidx[j] * P.ld + int64_t(h) * P.d;
    const float* vs = P.v + s.kidx[j] * P.ld + int64_t(h) * P.d;
    for (int c = 0; c < P.d; ++c) s.Kt[size_t(c * keys_p + j)] = ks[c];
    std::copy(vs, vs + P.d, s.V.data() + j * dv_p);
  }
}

// One key group against every query row of the item (online softmax update).
void attend_key_group(const Problem& P, int h, Scratch& s) {
  int64_t nq = int64_t(s.qidx.size()), nk = int64_t(s.kidx.size());
  int64_t keys_p = round_up(nk, kCols), dv_p = round_up(P.d, kCols);
  gather_keys(P, h, s, keys_p, dv_p);
  const float* bias = P.bias_by_r.empty() ? nullptr : P.bias_by_r.data() + h * (P.nq + P.nk - 1);
  int64_t rows_p = round_up(nq, kRows);
  for (int64_t r0 = 0; r0 < rows_p; r0 += kSubRows) {
    int rows = int(std::min<int64_t>(kSubRows, rows_p - r0));
    s.S.resize(size_t(rows * keys_p));
    attn_cpu::qk_block(s.Q.data() + r0 * P.d, rows, P.d, s.Kt.data(), int(keys_p), s.S.data());
    if (bias) {
      for (int i = 0; i < rows && r0 + i < nq; ++i) {
        float* srow = s.S.data() + i * keys_p;
        const float* b = bias + (P.nq - 1) - s.qidx[r0 + i];
        for (int64_t j = 0; j < nk; ++j) srow[j] += b[s.kidx[j]];
      }
    }
    attn_cpu::softmax_update(s.S.data(), rows, int(nk), int(keys_p), s.m.data() + r0,
                             s.l.data() + r0, s.O.data() + r0 * dv_p, int(dv_p));
    attn_cpu::pv_block(s.S.data(), rows, int(nk), int(keys_p), s.V.data(), int(dv_p),
                       s.O.data() + r0 * dv_p);
  }
}

// Key rows [k0, k1) in groups of kKeyGroup.
void attend_key_range(const Problem& P, int h, Scratch& s, int64_t k0, int64_t k1) {
  for (int64_t b = k0; b < k1; b += kKeyGroup) {
    int64_t e = std::min(k1, b + kKeyGroup);
    s.kidx.resize(size_t(e - b));
    for (int64_t j = b; j < e; ++j) s.kidx[size_t(j - b)] = j;
    attend_key_group(P, h, s);
  }
}

// Tokens of tile t in tile-local raster order.
void tile_tokens(const TileLayout& L, int64_t t, std::vector<int64_t>& idx) {
  int tc[3] = {0, 0, 0};
  L.tile_coords(t, tc);
  int lo[3], hi[3];
  for (int a = 0; a < 3; ++a) {
    lo[a] = tc[a] * L.tile[a];
    hi[a] = lo[a] + L.extent(a, tc[a]);
  }
  idx.clear();
  for (int x = lo[0]; x < hi[0]; ++x)
    for (int y = lo[1]; y < hi[1]; ++y) {
      int64_t row = (int64_t(x) * L.grid[1] + y) * L.grid[2];
      for (int z = lo[2]; z < hi[2]; ++z) idx.push_back(row + z);
    }
}

void run_item(const Problem& P, const Item& it, Scratch& s) {
  const HeadPattern& pat = P.patterns[size_t(it.head)];
  int h = it.head;
  if (pat.kind == AttnPattern::Sta) {
    tile_tokens(P.layout, it.qtile, s.qidx);
  } else {
    s.qidx.resize(size_t(it.q1 - it.q0));
    for (int64_t i = it.q0; i < it.q1; ++i) s.qidx[size_t(i - it.q0)] = i;
  }
  int64_t nq = int64_t(s.qidx.size());
  int64_t rows_p = round_up(nq, kRows), dv_p = round_up(P.d, kCols);
  gather_queries(P, h, s);
  s.O.assign(size_t(rows_p * dv_p), 0.0f);
  s.m.assign(size_t(rows_p), -std::numeric_limits<float>::infinity());
  s.l.assign(size_t(rows_p), 0.0f);

  switch (pat.kind) {
    case AttnPattern::Dense:
      attend_key_range(P, h, s, 0, P.key_len);
      break;
    case AttnPattern::Tile: {
      int64_t frame = int64_t(P.layout.grid[1]) * P.layout.grid[2];
      int64_t fq = it.q0 / frame;
      int64_t g = std::min<int64_t>(pat.global_frames, P.layout.grid[0]);
      if (fq < g) {
        attend_key_range(P, h, s, 0, P.nk);
      } else {
        attend_key_range(P, h, s, 0, g * frame);
        attend_key_range(P, h, s, fq * frame, (fq + 1) * frame);
      }
      break;
    }
    case AttnPattern::Sta: {
      const TileLayout& L = P.layout;
      int qc[3] = {0, 0, 0};
      L.tile_coords(it.qtile, qc);
      int lo[3], hi[3];
      for (int a = 0; a < 3; ++a) sta_axis_range(qc[a], pat.window[a], L.tiles[a], lo[a], hi[a]);
      for (int x = lo[0]; x <= hi[0]; ++x)
        for (int y = lo[1]; y <= hi[1]; ++y)
          for (int z = lo[2]; z <= hi[2]; ++z) {
            int kc[3] = {x, y, z};
            tile_tokens(L, L.tile_index(kc), s.kidx);
            attend_key_group(P, h, s);
          }
      break;
    }
  }

  for (int64_t i = 0; i < nq; ++i) {
    float inv = 1.0f / s.l[size_t(i)];
    const float* o = s.O.data() + i * dv_p;
    float* dst = P.out + s.qidx[size_t(i)] * P.ld + int64_t(h) * P.d;
    for (int c = 0; c < P.d; ++c) dst[c] = o[c] * inv;
  }
}

Status check_tensor(const Tensor& t, const char* name) {
  if (!t.defined()) return Error(Code::InvalidArgument, "attention: %s is undefined", name);
  if (t.device() != DeviceKind::Cpu || t.dtype() != DType::F32)
    return Error(Code::InvalidArgument, "attention: %s must be a host float32 tensor", name);
  if (t.ndim() != 2)
    return Error(Code::ShapeMismatch, "attention: %s must be [tokens, heads*head_dim], got %s", name,
                 shape_str(t.shape()).c_str());
  if (t.numel() > 0 && t.data() == nullptr)
    return Error(Code::InvalidArgument, "attention: %s has no storage", name);
  return OkStatus();
}

Status build_problem(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                     const AttnSpec& spec, Problem& P) {
  TSR_RETURN_IF_ERROR(check_tensor(q, "q"));
  TSR_RETURN_IF_ERROR(check_tensor(k, "k"));
  TSR_RETURN_IF_ERROR(check_tensor(v, "v"));
  TSR_RETURN_IF_ERROR(check_tensor(out, "out"));
  if (spec.heads < 1 || spec.head_dim < 1)
    return Error(Code::InvalidArgument, "attention: heads %d and head_dim %d must be >= 1", spec.heads,
                 spec.head_dim);
  int64_t ld = int64_t(spec.heads) * spec.head_dim;
  if (q.dim(1) != ld || k.dim(1) != ld || v.dim(1) != ld)
    return Error(Code::ShapeMismatch, "attention: q %s, k %s, v %s must have %lld columns (heads*head_dim)",
                 shape_str(q.shape()).c_str(), shape_str(k.shape()).c_str(),
                 shape_str(v.shape()).c_str(), (long long)ld);
  if (k.dim(0) != v.dim(0))
    return Error(Code::ShapeMismatch, "attention: k %s and v %s differ in tokens",
                 shape_str(k.shape()).c_str(), shape_str(v.shape()).c_str());
  if (out.shape() != q.shape())
    return Error(Code::ShapeMismatch, "attention: out %s must match q %s", shape_str(out.shape()).c_str(),
                 shape_str(q.shape()).c_str());
  if (q.dim(0) > (int64_t(1) << 31) || k.dim(0) > (int64_t(1) << 31))
    return Error(Code::InvalidSize, "attention: too many tokens");
  if (k.dim(0) < 1 && q.dim(0) > 0)
    return Error(Code::InvalidArgument, "attention: no keys to attend");
  if (!std::isfinite(spec.scale))
    return Error(Code::InvalidArgument, "attention: scale is not finite");

  P.q = q.data_as<float>();
  P.k = k.data_as<float>();
  P.v = v.data_as<float>();
  P.out = out.data_as<float>();
  P.nq = q.dim(0);
  P.nk = k.dim(0);
  P.ld = ld;
  P.heads = spec.heads;
  P.d = spec.head_dim;
  P.scale = spec.scale != 0.0f ? spec.scale : float(1.0 / std::sqrt(double(spec.head_dim)));

  if (!spec.per_head.empty() && int(spec.per_head.size()) != spec.heads)
    return Error(Code::InvalidArgument, "attention: %zu head patterns for %d heads", spec.per_head.size(),
                 spec.heads);
  P.patterns = spec.per_head;
  P.patterns.resize(size_t(spec.heads));
  for (const auto& p : P.patterns) TSR_RETURN_IF_ERROR(validate_pattern(p));

  bool sparse = !spec.is_dense();
  if (sparse) {
    TSR_RETURN_IF_ERROR(validate_layout(spec.grid, spec.tile));
    P.layout = TileLayout(spec.grid, spec.tile);
    if (P.nq != P.layout.num_tokens() || P.nk != P.layout.num_tokens())
      return Error(Code::ShapeMismatch,
                   "attention: sparse patterns need q and k of %lld tokens (grid %dx%dx%d), got %lld and %lld",
                   (long long)P.layout.num_tokens(), spec.grid[0], spec.grid[1], spec.grid[2],
                   (long long)P.nq, (long long)P.nk);
    if (spec.key_len >= 0 || spec.rel_bias)
      return Error(Code::Unsupported, "attention: key masks and position bias are dense-only");
    // A pattern that keeps every token pair is dense attention: run it on the dense path (no
    // tile gathers), which also makes its output identical to the dense one.
    for (auto& p : P.patterns)
      if (p.kind != AttnPattern::Dense && pattern_stats(P.layout, p).token_sparsity == 0.0) p = HeadPattern{};
  }

  P.key_len = P.nk;
  if (spec.key_len >= 0) {
    if (spec.key_len < 1 || spec.key_len > P.nk)
      return Error(Code::InvalidArgument, "attention: key_len %d outside [1, %lld]", spec.key_len,
                   (long long)P.nk);
    P.key_len = spec.key_len;
  }

  if (spec.rel_bias) {
    const Tensor& b = *spec.rel_bias;
    if (!b.defined() || b.device() != DeviceKind::Cpu || b.dtype() != DType::F32 || b.ndim() != 2 ||
        b.dim(0) != spec.num_buckets || b.dim(1) != spec.heads)
      return Error(Code::ShapeMismatch, "attention: rel_bias %s must be host float32 [%d, %d]",
                   shape_str(b.shape()).c_str(), spec.num_buckets, spec.heads);
    if (spec.num_buckets < 4 || spec.max_distance <= spec.num_buckets / 4)
      return Error(Code::InvalidArgument, "attention: num_buckets %d / max_distance %d are not usable",
                   spec.num_buckets, spec.max_distance);
    // Distances r = j - i span [-(nq-1), nk-1]; the bias depends on r only.
    int64_t span = P.nq + P.nk - 1;
    P.bias_by_r.resize(size_t(span * spec.heads));
    const float* tab = b.data_as<float>();
    for (int64_t x = 0; x < span; ++x) {
      int bucket = t5_relative_bucket(int(x - (P.nq - 1)), spec.num_buckets, spec.max_distance);
      for (int h = 0; h < spec.heads; ++h)
        P.bias_by_r[size_t(h * span + x)] = tab[int64_t(bucket) * spec.heads + h];
    }
  }
  return OkStatus();
}

std::vector<Item> plan_items(const Problem& P) {
  std::vector<Item> items;
  for (int h = 0; h < P.heads; ++h) {
    const HeadPattern& pat = P.patterns[size_t(h)];
    if (pat.kind == AttnPattern::Sta) {
      for (int64_t t = 0; t < P.layout.num_tiles(); ++t) items.push_back({h, 0, 0, t});
      continue;
    }
    // Attention Tile query groups never straddle a frame; dense ones may.
    int64_t span = pat.kind == AttnPattern::Tile ? int64_t(P.layout.grid[1]) * P.layout.grid[2] : P.nq;
    for (int64_t f0 = 0; f0 < P.nq; f0 += span) {
      int64_t f1 = std::min(P.nq, f0 + span);
      for (int64_t b = f0; b < f1; b += kQueryGroup) items.push_back({h, b, std::min(f1, b + kQueryGroup), -1});
    }
  }
  return items;
}

}  // namespace

Status cpu_attention(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                     const AttnSpec& spec, ThreadPool& pool) {
  Problem P;
  TSR_RETURN_IF_ERROR(build_problem(q, k, v, out, spec, P));
  if (P.nq == 0) return OkStatus();
  std::vector<Item> items;
  try {
    items = plan_items(P);
  } catch (const std::bad_alloc&) {
    return Error(Code::OutOfMemory, "attention: out of host memory planning %lld queries", (long long)P.nq);
  }
  std::atomic<bool> oom{false};
  pool.parallel_for(int64_t(items.size()), 1, [&](int64_t b, int64_t e) {
    try {
      Scratch s;
      for (int64_t i = b; i < e && !oom.load(std::memory_order_relaxed); ++i) run_item(P, items[size_t(i)], s);
    } catch (const std::bad_alloc&) {
      oom = true;
    }
  });
  if (oom) return Error(Code::OutOfMemory, "attention: out of host memory for scratch buffers");
  return OkStatus();
}

}  // namespace tsr
