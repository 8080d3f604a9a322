// Weightless fixtures: the FlowUniPC sampler and sliding-tile attention.
#include <cmath>

#include "core/json.h"
#include "engine/verify/fixture.h"
#include "sampling/sampler.h"

namespace tsr::fixture {

Status verify_flow_unipc(Context& c, std::vector<FixtureResult>* out) {
  TSR_ASSIGN_OR_RETURN(Json cfg, Json::parse(c.config));
  const int steps = int(cfg.get_int("steps", 0));
  const double shift = cfg.get_number("shift", 0), a = cfg.get_number("a", 0);
  TSR_ASSIGN_OR_RETURN(Tensor x, io_tensor(c, "x_init"));
  TSR_ASSIGN_OR_RETURN(Tensor cvec, io_tensor(c, "c"));
  TSR_ASSIGN_OR_RETURN(Tensor expected, io_tensor(c, "x_final"));
  TSR_ASSIGN_OR_RETURN(Tensor ts, io_tensor(c, "timesteps"));
  TSR_ASSIGN_OR_RETURN(Tensor sigmas, io_tensor(c, "sigmas"));
  if (cvec.numel() != x.numel()) return Error(Code::CorruptFile, "c and x_init differ in size");
  SamplerOptions o;
  o.kind = SamplerKind::UniPC;
  o.steps = steps;
  o.shift = shift;
  TSR_ASSIGN_OR_RETURN(auto sampler, make_sampler(o));

  FixtureResult r;
  r.kind = "flow_unipc";
  r.variant = "analytic";
  r.tolerance = Tolerances::kSampler;  // host math: the same bound on every backend
  // The schedule must match exactly: integer timesteps equal, float32 sigmas bit for bit.
  int bad_t = 0, bad_s = 0;
  if (ts.numel() != steps || sigmas.numel() != steps + 1) {
    r.detail = "timesteps/sigmas have the wrong length";
    bad_t = 1;
  } else {
    for (int i = 0; i < steps; ++i) bad_t += double(ts.data_as<float>()[i]) != sampler->timestep(i);
    for (int i = 0; i <= steps; ++i) bad_s += sigmas.data_as<float>()[i] != sampler->sigma(i);
  }
  const float* cv = cvec.data_as<float>();
  TSR_RETURN_IF_ERROR(run_sampler(*sampler, x, [&](const Tensor& xt, int i) -> StatusOr<Tensor> {
    Tensor v = host_empty(DType::F32, xt.shape());
    if (!v.data()) return Error(Code::OutOfMemory, "out of memory");
    const double s = std::sin(sampler->timestep(i) / 1000.0 * M_PI);
    for (int64_t k = 0; k < xt.numel(); ++k) v.data_as<float>()[k] = float(a * xt.data_as<float>()[k] + s * cv[k]);
    return v;
  }));
  compare(x, expected, &r);
  if (bad_t || bad_s) {
    r.passed = false;
    if (r.detail.empty())
      r.detail = std::to_string(bad_t) + " timesteps and " + std::to_string(bad_s) + " sigmas differ";
  } else if (r.detail.empty()) {
    r.detail = "timesteps equal, sigmas bit-exact";
  }
  out->push_back(std::move(r));
  return OkStatus();
}

Status verify_sta_attn(Context& c, std::vector<FixtureResult>* out) {
  TSR_ASSIGN_OR_RETURN(Json cfg, Json::parse(c.config));
  auto triple = [&](const Json* j, int* dst, const char* what) -> Status {
    if (!j || !j->is_array() || j->items().size() != 3)
      return Error(Code::CorruptFile, "config.%s must be 3 numbers", what);
    for (int i = 0; i < 3; ++i) dst[i] = int(j->items()[i].integer());
    return OkStatus();
  };
  AttnSpec spec;
  TSR_RETURN_IF_ERROR(triple(cfg.find("grid"), spec.grid, "grid"));
  TSR_RETURN_IF_ERROR(triple(cfg.find("tile"), spec.tile, "tile"));
  TSR_ASSIGN_OR_RETURN(Tensor q, io_tensor(c, "q"));
  TSR_ASSIGN_OR_RETURN(Tensor k, io_tensor(c, "k"));
  TSR_ASSIGN_OR_RETURN(Tensor v, io_tensor(c, "v"));
  TSR_ASSIGN_OR_RETURN(Tensor expected, io_tensor(c, "out"));
  if (q.ndim() != 3 || k.shape() != q.shape() || v.shape() != q.shape() || expected.shape() != q.shape())
    return Error(Code::CorruptFile, "q, k, v, out must all be [heads, tokens, head_dim]");
  const int H = int(q.dim(0)), N = int(q.dim(1)), D = int(q.dim(2));
  if (int64_t(N) != int64_t(spec.grid[0]) * spec.grid[1] * spec.grid[2])
    return Error(Code::CorruptFile, "tokens %d != grid product", N);
  const Json* windows = cfg.find("windows");
  if (!windows || !windows->is_array() || int(windows->items().size()) != H)
    return Error(Code::CorruptFile, "config.windows must hold one window per head");
  spec.heads = H;
  spec.head_dim = D;
  for (int h = 0; h < H; ++h) {
    HeadPattern p;
    p.kind = AttnPattern::Sta;
    TSR_RETURN_IF_ERROR(triple(&windows->items()[h], p.window, "windows[h]"));
    spec.per_head.push_back(p);
  }
  // [heads, tokens, head_dim] <-> the backend's [tokens, heads * head_dim].
  auto to_tokens = [&](const Tensor& t) {
    Tensor r = host_empty(DType::F32, {N, int64_t(H) * D});
    for (int h = 0; h < H; ++h)
      for (int n = 0; n < N; ++n)
        for (int d = 0; d < D; ++d)
          r.data_as<float>()[(int64_t(n) * H + h) * D + d] = t.data_as<float>()[(int64_t(h) * N + n) * D + d];
    return r;
  };
  Backend& be = c.be;
  be.clear_error();
  Tensor qd = be.from_host(to_tokens(q)), kd = be.from_host(to_tokens(k)), vd = be.from_host(to_tokens(v));
  Tensor od = be.attention(qd, kd, vd, spec);
  Tensor oh = od.defined() ? be.to_host(od) : Tensor();
  FixtureResult r;
  r.kind = "sta_attn";
  r.variant = "-";
  r.tolerance = c.gpu ? Tolerances::kGpu : Tolerances::kStaCpu;
  Status st = be.status();
  if (!st.ok() || !oh.data()) {
    r.rel_l2 = INFINITY;
    r.detail = st.ok() ? "attention returned nothing" : st.to_string();
    be.clear_error();
  } else {
    Tensor back = host_empty(DType::F32, q.shape());
    for (int h = 0; h < H; ++h)
      for (int n = 0; n < N; ++n)
        for (int d = 0; d < D; ++d)
          back.data_as<float>()[(int64_t(h) * N + n) * D + d] = oh.data_as<float>()[(int64_t(n) * H + h) * D + d];
    compare(back, expected, &r);
  }
  out->push_back(std::move(r));
  return OkStatus();
}

}  // namespace tsr::fixture
