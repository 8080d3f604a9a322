// attention_rows (umT5's position-biased attention, float32 operands, head sizes other than
// 64/128) against a double-precision reference on fresh random inputs: sizes that are not
// multiples of the 32-query / 64-key blocks, padded keys (key_len), the bias buckets, small
// and odd head sizes, sparse patterns by predicate; guard regions after the output, every
// element written, and two runs bit for bit equal.
#ifdef TSR_WITH_CUDA
#include <cstring>

#include "backend/cuda/kernels.h"
#include "cuda_test_util.h"

using namespace tsr;
using namespace tsr::test;

namespace {

struct RowsCase {
  int64_t nq, nk;
  int heads, d;
  bool bias = false, f32 = false;
  int key_len = -1;
  float scale = 0;
  int grid[3] = {0, 0, 0}, tile[3] = {1, 1, 1};
  std::vector<int> pats;  // [heads][5] kind, wt, wh, ww, global frames; empty: dense
  RowsCase(int64_t nq_, int64_t nk_, int heads_, int d_) : nq(nq_), nk(nk_), heads(heads_), d(d_) {}
};

int bucket(int rel) {  // spec/wan21.md §6.2: 32 buckets, max distance 128, fp32 log
  int base = rel > 0 ? 16 : 0, n = rel < 0 ? -rel : rel;
  if (n < 8) return base + n;
  int b = 8 + int(std::log(float(n) / 8.0f) / std::log(16.0f) * 8.0f);
  return base + std::min(b, 15);
}

bool keeps(const RowsCase& c, int h, int64_t qi, int64_t kj) {
  if (c.key_len >= 0 && kj >= c.key_len) return false;
  if (c.pats.empty() || c.pats[size_t(h) * 5] == 0) return true;
  const int* p = &c.pats[size_t(h) * 5];
  int hw = c.grid[1] * c.grid[2];
  int q[3] = {int(qi / hw), int(qi % hw) / c.grid[2], int(qi % c.grid[2])};
  int k[3] = {int(kj / hw), int(kj % hw) / c.grid[2], int(kj % c.grid[2])};
  if (p[0] == 2) return q[0] == k[0] || k[0] < p[4] || q[0] < p[4];
  for (int ax = 0; ax < 3; ++ax) {
    int n = (c.grid[ax] + c.tile[ax] - 1) / c.tile[ax], w = p[1 + ax];
    if (w >= n) continue;
    int r = w / 2, centre = std::min(std::max(q[ax] / c.tile[ax], r), n - 1 - r);
    if (std::abs(centre - k[ax] / c.tile[ax]) > r) return false;
  }
  return true;
}

std::vector<double> reference(const RowsCase& c, const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<float>& bias) {
  const int64_t ld = int64_t(c.heads) * c.d;
  const double scale = c.scale != 0 ? c.scale : 1.0 / std::sqrt(double(c.d));
  std::vector<double> out(size_t(c.nq * ld), 0.0);
  std::vector<double> s(size_t(c.nk));
  for (int h = 0; h < c.heads; ++h)
    for (int64_t i = 0; i < c.nq; ++i) {
      double mx = -INFINITY;
      for (int64_t j = 0; j < c.nk; ++j) {
        if (!keeps(c, h, i, j)) { s[size_t(j)] = -INFINITY; continue; }
        double acc = 0;
        for (int e = 0; e < c.d; ++e) acc += double(q[size_t(i * ld + h * c.d + e)]) * k[size_t(j * ld + h * c.d + e)];
        acc *= scale;
        if (c.bias) acc += bias[size_t(bucket(int(j - i)) * c.heads + h)];
        s[size_t(j)] = acc;
        mx = std::max(mx, acc);
      }
      if (mx == -INFINITY) continue;  // nothing kept: zeros
      double sum = 0;
      for (auto& x : s) sum += (x = std::exp(x - mx));
      for (int e = 0; e < c.d; ++e) {
        double acc = 0;
        for (int64_t j = 0; j < c.nk; ++j) acc += s[size_t(j)] * v[size_t(j * ld + h * c.d + e)];
        out[size_t(i * ld + h * c.d + e)] = acc / sum;
      }
    }
  return out;
}

void run(Rng& rng, const RowsCase& c, const char* label) {
  const int64_t ld = int64_t(c.heads) * c.d;
  auto q = randn(rng, size_t(c.nq * ld)), k = randn(rng, size_t(c.nk * ld)), v = randn(rng, size_t(c.nk * ld));
  auto bias = randn(rng, size_t(32 * c.heads), 2.0f);
  if (!c.f32) q = bf16_round(q), k = bf16_round(k), v = bf16_round(v);  // the kernel sees bf16
  const size_t es = c.f32 ? 4 : 2;
  GuardedBuffer dq(q.size(), es), dk(k.size(), es), dv(v.size(), es), db(bias.size(), 4),
      dp(std::max<size_t>(1, c.pats.size()), 4);
  if (c.f32) dq.upload(q.data()), dk.upload(k.data()), dv.upload(v.data());
  else dq.upload(to_bf16(q).data()), dk.upload(to_bf16(k).data()), dv.upload(to_bf16(v).data());
  db.upload(bias.data());
  if (!c.pats.empty()) dp.upload(c.pats.data());
  cuda::AttnArgs a;
  if (c.f32) a.qf = dq.as<float>(), a.kf = dk.as<float>(), a.vf = dv.as<float>();
  else a.q = dq.as<__nv_bfloat16>(), a.k = dk.as<__nv_bfloat16>(), a.v = dv.as<__nv_bfloat16>();
  a.nq = c.nq; a.nk = c.nk; a.heads = c.heads; a.head_dim = c.d;
  a.scale = c.scale != 0 ? c.scale : 1.0f / std::sqrt(float(c.d));
  a.key_len = c.key_len;
  a.rel_bias = c.bias ? db.as<float>() : nullptr;
  for (int ax = 0; ax < 3; ++ax) { a.grid[ax] = c.grid[ax]; a.tile[ax] = c.tile[ax]; }
  a.patterns = c.pats.empty() ? nullptr : dp.as<int>();
  a.sparse = !c.pats.empty();
  const auto ref = reference(c, q, k, v, bias);

  std::vector<uint16_t> runs[2];
  for (int rep = 0; rep < 2; ++rep) {
    GuardedBuffer dout(size_t(c.nq * ld), 2);  // NaN-poisoned: every element must be written
    a.o = dout.as<__nv_bfloat16>();
    CHECK_OK(cuda::attention(a, true, nullptr));
    REQUIRE(cuda_ok());
    runs[rep].resize(size_t(c.nq * ld));
    dout.download(runs[rep].data());
    CHECK(dout.guard_intact());
  }
  auto out = from_bf16(runs[0]);
  CHECK(all_finite(out));
  CHECK(std::memcmp(runs[0].data(), runs[1].data(), runs[0].size() * 2) == 0);
  // float32 arithmetic on exact operands: the error is the bf16 rounding of the output (~2e-3).
  const double e = rel_err(out, ref);
  if (!(e <= 4e-3)) std::printf("    %s: relative L2 %.3g > 4e-3\n", label, e);
  CHECK(e <= 4e-3);
}

}  // namespace

TSR_TEST(cuda, attention_rows_t5_bias_key_len_odd_sizes) {
  if (!have_gpu()) return;
  Rng rng(41);
  for (bool f32 : {true, false}) {
    RowsCase t5(300, 300, 3, 64);  // umT5-like: no scaling, bias, padded keys
    t5.bias = true; t5.f32 = f32; t5.scale = 1.0f; t5.key_len = 257;
    run(rng, t5, "t5 d=64");
    RowsCase wide(77, 130, 2, 128);
    wide.bias = true; wide.f32 = f32; wide.scale = 1.0f;
    run(rng, wide, "bias d=128");
    RowsCase one(1, 1, 1, 64);
    one.bias = true; one.f32 = f32;
    run(rng, one, "single token");
  }
  for (int d : {8, 16, 48, 100}) {  // head sizes below the block's: columns past d unused
    RowsCase c(95, 200, 2, d);
    c.f32 = true; c.bias = d % 16 == 0; c.key_len = 150;
    run(rng, c, "small d");
  }
}

TSR_TEST(cuda, attention_rows_sparse_patterns_by_predicate) {
  if (!have_gpu()) return;
  Rng rng(42);
  RowsCase c(4 * 6 * 7, 4 * 6 * 7, 3, 48);
  const int grid[3] = {4, 6, 7}, tile[3] = {2, 4, 3};
  for (int ax = 0; ax < 3; ++ax) { c.grid[ax] = grid[ax]; c.tile[ax] = tile[ax]; }
  c.pats = {1, 1, 1, 2, 0,   // STA window 1x1x2 tiles
            2, 0, 0, 0, 1,   // Attention Tile, one global frame
            0, 0, 0, 0, 0};  // dense
  run(rng, c, "patterns d=48");
  c.f32 = true;
  run(rng, c, "patterns d=48 f32");
}
#endif
