// attention_rows (umT5's position-biased attention, float32 operands, head sizes other than
// 64/128) against a double-precision reference on fresh random inputs: sizes that are not
// multiples of the 32-query / 64-key blocks, padded keys (key_len), the bias buckets, small
// and odd head sizes, sparse patterns by predicate; guard regions after the output, every
// element written, and two runs bit for bit equal.
#ifdef TSR_WITH_CUDA
#include <cstring>

#include "attention/reference.h"
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
  std::vector<HeadPattern> pats;  // one per head; empty: dense
  RowsCase(int64_t nq_, int64_t nk_, int heads_, int d_) : nq(nq_), nk(nk_), heads(heads_), d(d_) {}
};

HeadPattern pattern(AttnPattern kind, int wt = 0, int wh = 0, int ww = 0, int global_frames = 0) {
  HeadPattern p;
  p.kind = kind;
  p.window[0] = wt, p.window[1] = wh, p.window[2] = ww;
  p.global_frames = global_frames;
  return p;
}

Tensor host_of(const std::vector<float>& v, int64_t rows) {
  Tensor t = host_empty(DType::F32, {rows, int64_t(v.size()) / rows});
  std::memcpy(t.data(), v.data(), v.size() * 4);
  return t;
}

// The attention tests' brute-force reference (tests/attention/reference.h) in double precision.
std::vector<double> reference(const RowsCase& c, const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<float>& bias) {
  RefAttn ra;
  ra.heads = c.heads;
  ra.head_dim = c.d;
  ra.scale = c.scale;
  ra.key_len = c.key_len;
  for (const HeadPattern& p : c.pats) ra.masks.push_back(reference_mask(c.grid, c.tile, p));
  if (c.bias)
    ra.bias = [&](int h, int64_t i, int64_t j) { return double(bias[size_t(reference_t5_bucket(int(j - i)) * c.heads + h)]); };
  Tensor out = reference_attention(host_of(q, c.nq), host_of(k, c.nk), host_of(v, c.nk), ra);
  const float* o = out.data_as<float>();
  return std::vector<double>(o, o + out.numel());
}

void run(Rng& rng, const RowsCase& c, const char* label) {
  const int64_t ld = int64_t(c.heads) * c.d;
  auto q = randn(rng, size_t(c.nq * ld)), k = randn(rng, size_t(c.nk * ld)), v = randn(rng, size_t(c.nk * ld));
  auto bias = randn(rng, size_t(32 * c.heads), 2.0f);
  std::vector<int> pats;  // the kernel's [heads][5]: kind, wt, wh, ww, global frames
  for (const HeadPattern& p : c.pats) pats.insert(pats.end(), {int(p.kind), p.window[0], p.window[1], p.window[2], p.global_frames});
  if (!c.f32) q = bf16_round(q), k = bf16_round(k), v = bf16_round(v);  // the kernel sees bf16
  const size_t es = c.f32 ? 4 : 2;
  GuardedBuffer dq(q.size(), es), dk(k.size(), es), dv(v.size(), es), db(bias.size(), 4),
      dp(std::max<size_t>(1, pats.size()), 4);
  if (c.f32) dq.upload(q.data()), dk.upload(k.data()), dv.upload(v.data());
  else dq.upload(to_bf16(q).data()), dk.upload(to_bf16(k).data()), dv.upload(to_bf16(v).data());
  db.upload(bias.data());
  if (!pats.empty()) dp.upload(pats.data());
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
  c.pats = {pattern(AttnPattern::Sta, 1, 1, 2), pattern(AttnPattern::Tile, 0, 0, 0, 1), pattern(AttnPattern::Dense)};
  run(rng, c, "patterns d=48");
  c.f32 = true;
  run(rng, c, "patterns d=48 f32");
}
#endif
