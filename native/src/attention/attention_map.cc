// Dense probabilities are computed a few query rows at a time: scores for all keys with the
// attention GEMM blocks, then one softmax over the full row (the row is short enough to keep:
// rows x tokens floats), then reduced into the caller's accumulators in double.
#include "attention/attention_map.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <new>
#include <vector>

#include "attention/cpu_kernels.h"
#include "attention/patterns.h"
#include "attention/tile_geometry.h"

namespace tsr {
namespace {

using attn_cpu::kCols;
using attn_cpu::kRows;
using attn_cpu::round_up;

constexpr int kMapRows = 16;   // query rows per score block
constexpr int kKeyChunk = 256;  // keys per gathered Kᵀ block (multiple of kCols)

struct MapProblem {
  const float* q = nullptr;
  const float* k = nullptr;
  int64_t n = 0, ld = 0;
  int heads = 0, d = 0;
  float scale = 1;
  TileLayout layout;
};

struct RowScratch {
  std::vector<float> Q, Kt, P, m, l;
};

// P[rows_p, n_p] = exp(score - row max) for the query tokens idx[0..rows) of head h over all
// keys; l[i] holds each row's sum.
void prob_rows(const MapProblem& M, int h, const int64_t* idx, int rows, RowScratch& s) {
  int64_t rows_p = round_up(rows, kRows), n_p = round_up(M.n, kCols);
  s.Q.assign(size_t(rows_p * M.d), 0.0f);
  for (int i = 0; i < rows; ++i) {
    const float* src = M.q + idx[i] * M.ld + int64_t(h) * M.d;
    for (int c = 0; c < M.d; ++c) s.Q[size_t(i * M.d + c)] = src[c] * M.scale;
  }
  s.P.resize(size_t(rows_p * n_p));
  for (int64_t j0 = 0; j0 < n_p; j0 += kKeyChunk) {
    int64_t cols = std::min<int64_t>(kKeyChunk, n_p - j0);
    int64_t real = std::min<int64_t>(cols, M.n - j0);
    s.Kt.assign(size_t(M.d * cols), 0.0f);
    for (int64_t j = 0; j < real; ++j) {
      const float* src = M.k + (j0 + j) * M.ld + int64_t(h) * M.d;
      for (int c = 0; c < M.d; ++c) s.Kt[size_t(c * cols + j)] = src[c];
    }
    attn_cpu::gemm_block(s.Q.data(), M.d, s.Kt.data(), int(cols), s.P.data() + j0, int(n_p),
                         int(rows_p), int(cols), M.d, false);
  }
  s.m.assign(size_t(rows_p), -std::numeric_limits<float>::infinity());
  s.l.assign(size_t(rows_p), 0.0f);
  // With no output columns this is a plain row softmax (unnormalised) plus row sums.
  attn_cpu::softmax_update(s.P.data(), int(rows_p), int(M.n), int(n_p), s.m.data(), s.l.data(),
                           nullptr, 0);
}

Status build_map_problem(const Tensor& q, const Tensor& k, const AttnSpec& spec, int head,
                         MapProblem& M) {
  for (const Tensor* t : {&q, &k}) {
    if (!t->defined() || t->device() != DeviceKind::Cpu || t->dtype() != DType::F32 || t->ndim() != 2)
      return Error(Code::InvalidArgument, "attention map: q and k must be host float32 [tokens, heads*head_dim]");
  }
  if (spec.heads < 1 || spec.head_dim < 1)
    return Error(Code::InvalidArgument, "attention map: heads %d and head_dim %d must be >= 1", spec.heads,
                 spec.head_dim);
  TSR_RETURN_IF_ERROR(validate_layout(spec.grid, spec.tile));
  M.layout = TileLayout(spec.grid, spec.tile);
  M.ld = int64_t(spec.heads) * spec.head_dim;
  M.n = M.layout.num_tokens();
  if (q.shape() != Shape{M.n, M.ld} || k.shape() != Shape{M.n, M.ld})
    return Error(Code::ShapeMismatch, "attention map: q %s and k %s must be [%lld, %lld] (grid %dx%dx%d)",
                 shape_str(q.shape()).c_str(), shape_str(k.shape()).c_str(), (long long)M.n,
                 (long long)M.ld, spec.grid[0], spec.grid[1], spec.grid[2]);
  if (head < 0 || head >= spec.heads)
    return Error(Code::InvalidArgument, "attention map: head %d outside [0, %d)", head, spec.heads);
  if (!std::isfinite(spec.scale))
    return Error(Code::InvalidArgument, "attention map: scale is not finite");
  M.q = q.data_as<float>();
  M.k = k.data_as<float>();
  M.heads = spec.heads;
  M.d = spec.head_dim;
  M.scale = spec.scale != 0.0f ? spec.scale : float(1.0 / std::sqrt(double(spec.head_dim)));
  return OkStatus();
}

std::vector<int64_t> tile_token_list(const TileLayout& L, int64_t t) {
  std::vector<int64_t> idx(size_t(L.tile_tokens(t)));
  for (int64_t o = 0; o < int64_t(idx.size()); ++o) idx[size_t(o)] = L.tile_to_raster(t, o);
  return idx;
}

}  // namespace

StatusOr<Tensor> attention_probs(const Tensor& q, const Tensor& k, const AttnSpec& spec,
                                 const MapQuery& query, ThreadPool& pool) {
  MapProblem M;
  TSR_RETURN_IF_ERROR(build_map_problem(q, k, spec, query.head, M));
  if ((query.token >= 0) == (query.tile >= 0))
    return Error(Code::InvalidArgument, "attention map: give exactly one of a query token or a query tile");
  if (query.token >= M.n)
    return Error(Code::InvalidArgument, "attention map: query token %lld outside [0, %lld)",
                 (long long)query.token, (long long)M.n);
  if (query.tile >= M.layout.num_tiles())
    return Error(Code::InvalidArgument, "attention map: query tile %lld outside [0, %lld)",
                 (long long)query.tile, (long long)M.layout.num_tiles());
  Tensor out = host_empty(DType::F32, {spec.grid[0], spec.grid[1], spec.grid[2]});
  if (!out.defined()) return Error(Code::OutOfMemory, "attention map: no memory for %lld probabilities", (long long)M.n);

  std::vector<int64_t> rows;
  std::vector<double> total;
  try {
    rows = query.token >= 0 ? std::vector<int64_t>{query.token} : tile_token_list(M.layout, query.tile);
    total.assign(size_t(M.n), 0.0);
  } catch (const std::bad_alloc&) {
    return Error(Code::OutOfMemory, "attention map: out of host memory");
  }
  std::mutex mu;
  std::atomic<bool> oom{false};
  int64_t blocks = ceil_div64(int64_t(rows.size()), kMapRows);
  pool.parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
    try {
      RowScratch s;
      std::vector<double> acc(static_cast<size_t>(M.n), 0.0);
      for (int64_t blk = b; blk < e; ++blk) {
        int64_t r0 = blk * kMapRows;
        int cnt = int(std::min<int64_t>(kMapRows, int64_t(rows.size()) - r0));
        prob_rows(M, query.head, rows.data() + r0, cnt, s);
        int64_t n_p = round_up(M.n, kCols);
        for (int i = 0; i < cnt; ++i) {
          double inv = 1.0 / double(s.l[size_t(i)]);
          const float* p = s.P.data() + i * n_p;
          for (int64_t j = 0; j < M.n; ++j) acc[size_t(j)] += double(p[j]) * inv;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      for (int64_t j = 0; j < M.n; ++j) total[size_t(j)] += acc[size_t(j)];
    } catch (const std::bad_alloc&) {
      oom = true;
    }
  });
  if (oom) return Error(Code::OutOfMemory, "attention map: out of host memory");
  float* dst = out.data_as<float>();
  double inv_rows = 1.0 / double(rows.size());
  for (int64_t j = 0; j < M.n; ++j) dst[j] = float(total[size_t(j)] * inv_rows);
  return out;
}

StatusOr<Tensor> tile_mass_matrix(const Tensor& q, const Tensor& k, const AttnSpec& spec, int head,
                                  ThreadPool& pool) {
  MapProblem M;
  TSR_RETURN_IF_ERROR(build_map_problem(q, k, spec, head, M));
  int64_t tiles = M.layout.num_tiles();
  if (tiles > (int64_t(1) << 15))
    return Error(Code::InvalidSize, "attention map: %lld tiles make a mass matrix too large to show",
                 (long long)tiles);
  Tensor out = host_empty(DType::F32, {tiles, tiles});
  if (!out.defined()) return Error(Code::OutOfMemory, "attention map: no memory for the mass matrix");
  std::vector<int32_t> key_tile;
  try {
    key_tile.resize(size_t(M.n));
  } catch (const std::bad_alloc&) {
    return Error(Code::OutOfMemory, "attention map: out of host memory");
  }
  for (int64_t j = 0; j < M.n; ++j) key_tile[size_t(j)] = int32_t(M.layout.raster_to_tile(j).tile);

  std::atomic<bool> oom{false};
  float* dst = out.data_as<float>();
  pool.parallel_for(tiles, 1, [&](int64_t b, int64_t e) {
    try {
      RowScratch s;
      std::vector<double> mass(static_cast<size_t>(tiles));
      int64_t n_p = round_up(M.n, kCols);
      for (int64_t t = b; t < e; ++t) {
        std::vector<int64_t> rows = tile_token_list(M.layout, t);
        std::fill(mass.begin(), mass.end(), 0.0);
        for (size_t r0 = 0; r0 < rows.size(); r0 += kMapRows) {
          int cnt = int(std::min<size_t>(kMapRows, rows.size() - r0));
          prob_rows(M, head, rows.data() + r0, cnt, s);
          for (int i = 0; i < cnt; ++i) {
            double inv = 1.0 / double(s.l[size_t(i)]);
            const float* p = s.P.data() + i * n_p;
            for (int64_t j = 0; j < M.n; ++j) mass[size_t(key_tile[size_t(j)])] += double(p[j]) * inv;
          }
        }
        double inv_rows = 1.0 / double(rows.size());
        for (int64_t c = 0; c < tiles; ++c) dst[t * tiles + c] = float(mass[size_t(c)] * inv_rows);
      }
    } catch (const std::bad_alloc&) {
      oom = true;
    }
  });
  if (oom) return Error(Code::OutOfMemory, "attention map: out of host memory");
  return out;
}

StatusOr<Tensor> kept_matrix(const int grid[3], const int tile[3], const HeadPattern& pattern) {
  TSR_RETURN_IF_ERROR(validate_layout(grid, tile));
  TSR_RETURN_IF_ERROR(validate_pattern(pattern));
  TileLayout L(grid, tile);
  int64_t tiles = L.num_tiles();
  if (tiles > (int64_t(1) << 15))
    return Error(Code::InvalidSize, "attention map: %lld tiles make a kept matrix too large to show",
                 (long long)tiles);
  Tensor out = host_empty(DType::F32, {tiles, tiles});
  if (!out.defined()) return Error(Code::OutOfMemory, "attention map: no memory for the kept matrix");
  float* dst = out.data_as<float>();
  for (int64_t a = 0; a < tiles; ++a)
    for (int64_t b = 0; b < tiles; ++b) dst[a * tiles + b] = block_kept(L, pattern, a, b) ? 1.0f : 0.0f;
  return out;
}

StatusOr<double> captured_mass(const Tensor& mass, const Tensor& kept, const int grid[3],
                               const int tile[3]) {
  TSR_RETURN_IF_ERROR(validate_layout(grid, tile));
  TileLayout L(grid, tile);
  int64_t tiles = L.num_tiles();
  Shape want{tiles, tiles};
  for (const Tensor* t : {&mass, &kept})
    if (!t->defined() || t->device() != DeviceKind::Cpu || t->dtype() != DType::F32 || t->shape() != want)
      return Error(Code::ShapeMismatch, "captured mass: mass and kept must be host float32 %s",
                   shape_str(want).c_str());
  const float *m = mass.data_as<float>(), *kp = kept.data_as<float>();
  double total = 0;
  for (int64_t a = 0; a < tiles; ++a) {
    double row = 0;
    for (int64_t b = 0; b < tiles; ++b) row += double(m[a * tiles + b]) * (kp[a * tiles + b] != 0 ? 1.0 : 0.0);
    total += row * double(L.tile_tokens(a));
  }
  return total / double(L.num_tokens());
}

}  // namespace tsr
