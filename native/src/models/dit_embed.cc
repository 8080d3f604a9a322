// Embeddings around the transformer blocks: timestep sinusoid and MLPs (spec/wan21.md §3.2),
// patchify / unpatchify (§3.1, §3.5).
#include <cmath>

#include "models/dit_parts.h"

namespace tsr::dit {

Tensor sinusoid_host(int freq_dim, double t) {
  const int half = freq_dim / 2;
  Tensor s = host_empty(DType::F32, {1, freq_dim});
  if (!s.defined()) return s;
  float* out = s.data_as<float>();
  for (int k = 0; k < half; ++k) {
    // float64 like the reference: omega_k = 10000^(-k/half), angle = t * omega_k.
    double angle = t * std::pow(10000.0, -double(k) / double(half));
    out[k] = float(std::cos(angle));         // cos half first
    out[half + k] = float(std::sin(angle));  // then sin
  }
  return s;
}

TimeEmbedding embed_time(Backend& be, const Weights& w, const DitConfig& cfg, double t) {
  Tensor s_host = sinusoid_host(cfg.freq_dim, t);
  if (!s_host.defined()) return {be.fail(Error(Code::OutOfMemory, "dit: sinusoid")), Tensor()};
  Tensor s = be.from_host(s_host);                                   // [1, freq_dim]
  const Linear &te0 = w.time_embedding0, &te2 = w.time_embedding2, &tp = w.time_projection1;
  Tensor h = be.linear(s, te0.weight, &te0.bias, Act::Silu);         // [1, dim]
  TimeEmbedding out;
  out.e = be.linear(h, te2.weight, &te2.bias);                       // [1, dim]
  Tensor e_act = be.unary(out.e, Act::Silu);                         // [1, dim]
  out.e0 = be.linear(e_act, tp.weight, &tp.bias);                    // [1, 6*dim]
  return out;
}

Tensor chunk(Backend& be, const Tensor& v, int j, int dim) {
  Tensor row = be.slice(v, 1, int64_t(j) * dim, int64_t(j + 1) * dim);  // [1, dim]
  return row.defined() ? row.reshape({dim}) : row;                       // [dim]
}

Tensor patchify(Backend& be, const Tensor& x, const DitConfig& cfg, const int grid[3]) {
  const int64_t C = cfg.in_dim, pt = cfg.patch[0], ph = cfg.patch[1], pw = cfg.patch[2];
  const int64_t Ft = grid[0], Hp = grid[1], Wp = grid[2];
  // [C, F'·pt, H', ph, W', pw] -> [F'·pt, H', W', C, ph, pw]
  Tensor v = x.reshape({C, Ft * pt, Hp, ph, Wp, pw});
  Tensor p = be.permute(v, {1, 2, 4, 0, 3, 5});
  if (pt > 1) {
    // [F', pt, H'·W', C, ph·pw] -> [F', H'·W', C, pt, ph·pw]
    Tensor u = p.defined() ? p.reshape({Ft, pt, Hp * Wp, C, ph * pw}) : p;
    p = be.permute(u, {0, 2, 3, 1, 4});
  }
  return p.defined() ? p.reshape({Ft * Hp * Wp, C * pt * ph * pw}) : p;  // [L, C·pt·ph·pw]
}

Tensor unpatchify(Backend& be, const Tensor& tokens, const DitConfig& cfg, const int grid[3]) {
  const int64_t C = cfg.out_dim, pt = cfg.patch[0], ph = cfg.patch[1], pw = cfg.patch[2];
  const int64_t Ft = grid[0], Hp = grid[1], Wp = grid[2];
  Tensor u = tokens;  // [F'·H'·W', pt·ph·pw·C]
  if (pt > 1) {
    // [F', H'·W', pt, ph·pw·C] -> [F', pt, H'·W', ph·pw·C]: output frames f·pt + p in order
    Tensor v = u.reshape({Ft, Hp * Wp, pt, ph * pw * C});
    u = be.permute(v, {0, 2, 1, 3});
  }
  if (!u.defined()) return u;
  // [F'·pt, H', W', ph, pw, C] -> [C, F'·pt, H', ph, W', pw]
  Tensor v = u.reshape({Ft * pt, Hp, Wp, ph, pw, C});
  Tensor out = be.permute(v, {5, 0, 1, 3, 2, 4});
  return out.defined() ? out.reshape({C, Ft * pt, Hp * ph, Wp * pw}) : out;
}

}  // namespace tsr::dit
