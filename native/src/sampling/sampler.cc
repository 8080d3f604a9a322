#include "sampling/sampler.h"

#include "sampling/euler.h"
#include "sampling/fewstep.h"
#include "sampling/flow_unipc.h"

namespace tsr {

const char* sampler_name(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::UniPC: return "unipc";
    case SamplerKind::Euler: return "euler";
    case SamplerKind::FewStep: return "fewstep";
  }
  return "unknown";
}

Status Sampler::step(int i, const Tensor& v, Tensor& x) {
  if (i != next_ || i >= steps())
    return Error(Code::Internal, "sampler: step %d out of order (expected %d of %d)", i, next_, steps());
  if (x.dtype() != DType::F32 || v.dtype() != DType::F32 || x.device() != DeviceKind::Cpu ||
      v.device() != DeviceKind::Cpu || !x.data() || !v.data())
    return Error(Code::Internal, "sampler: x and v must be host float32 tensors");
  if (x.shape() != v.shape())
    return Error(Code::ShapeMismatch, "sampler: velocity %s does not match sample %s",
                 shape_str(v.shape()).c_str(), shape_str(x.shape()).c_str());
  if (i == 0) shape_ = x.shape();
  if (x.shape() != shape_)
    return Error(Code::ShapeMismatch, "sampler: sample shape changed from %s to %s",
                 shape_str(shape_).c_str(), shape_str(x.shape()).c_str());
  TSR_RETURN_IF_ERROR(do_step(i, v.data_as<float>(), x.data_as<float>(), x.numel()));
  ++next_;
  return OkStatus();
}

StatusOr<std::unique_ptr<Sampler>> make_sampler(const SamplerOptions& o) {
  switch (o.kind) {
    case SamplerKind::UniPC: {
      TSR_ASSIGN_OR_RETURN(Schedule s, wan_flow_schedule(o.steps, o.shift));
      return std::unique_ptr<Sampler>(new FlowUniPC(std::move(s)));
    }
    case SamplerKind::Euler: {
      TSR_ASSIGN_OR_RETURN(Schedule s, wan_flow_schedule(o.steps, o.shift));
      return std::unique_ptr<Sampler>(new FlowEuler(std::move(s)));
    }
    case SamplerKind::FewStep: {
      TSR_ASSIGN_OR_RETURN(Schedule s, fewstep_schedule(o.timesteps, o.shift));
      return std::unique_ptr<Sampler>(new FewStepSampler(std::move(s), o.seed));
    }
  }
  return Error(Code::InvalidArgument, "unknown sampler kind %d", int(o.kind));
}

void predict_x0(const float* x, const float* v, float sigma, float* x0, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x0[i] = x[i] - sigma * v[i];
}

Status apply_cfg(const Tensor& v_cond, const Tensor& v_uncond, float g, Tensor& out) {
  if (v_cond.shape() != v_uncond.shape() || out.shape() != v_cond.shape())
    return Error(Code::ShapeMismatch, "cfg: shapes %s, %s, %s differ", shape_str(v_cond.shape()).c_str(),
                 shape_str(v_uncond.shape()).c_str(), shape_str(out.shape()).c_str());
  if (v_cond.dtype() != DType::F32 || v_uncond.dtype() != DType::F32 || out.dtype() != DType::F32)
    return Error(Code::Internal, "cfg: float32 host tensors expected");
  const float* c = v_cond.data_as<float>();
  const float* u = v_uncond.data_as<float>();
  float* o = out.data_as<float>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = u[i] + g * (c[i] - u[i]);
  return OkStatus();
}

Status run_sampler(Sampler& sampler, Tensor& x, const DenoiseFn& denoise, const StepHook& on_step) {
  for (int i = 0; i < sampler.steps(); ++i) {
    TSR_ASSIGN_OR_RETURN(Tensor v, denoise(x, i));
    if (on_step) TSR_RETURN_IF_ERROR(on_step(i, x, v));
    TSR_RETURN_IF_ERROR(sampler.step(i, v, x));
  }
  return OkStatus();
}

}  // namespace tsr
