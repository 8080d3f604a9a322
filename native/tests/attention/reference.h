// Brute-force attention reference for the attention tests, written from the definitions in
// spec/sparse-attention.md and spec/wan21.md §6.2 without the engine's tile helpers: the
// full token mask is built token by token and the softmax runs in double precision.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "backend/backend.h"
#include "core/tensor.h"

namespace tsr::test {

// mask[i * n + j] = 1 when query token i may attend key token j (raster order over grid).
std::vector<uint8_t> reference_mask(const int grid[3], const int tile[3], const HeadPattern& p);

struct RefAttn {
  int heads = 1, head_dim = 1;
  double scale = 0;  // 0: 1/sqrt(head_dim)
  // Per head token mask [nq * nk] (empty: all kept).
  std::vector<std::vector<uint8_t>> masks;
  int key_len = -1;  // keys >= key_len are masked
  // Additive logit bias(head, i, j), or empty.
  std::function<double(int, int64_t, int64_t)> bias;
};

// q [nq, heads*d], k/v [nk, heads*d] -> [nq, heads*d] float32 (computed in double).
Tensor reference_attention(const Tensor& q, const Tensor& k, const Tensor& v, const RefAttn& a);

// Dense softmax probabilities (double) of query i over all keys of one head.
std::vector<double> reference_probs(const Tensor& q, const Tensor& k, int heads, int head_dim,
                                    int head, int64_t i, double scale);

// umT5 bucket written from the spec's formula (independent of attention/rel_bucket.h).
int reference_t5_bucket(int r);

}  // namespace tsr::test
