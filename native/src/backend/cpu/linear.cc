// linear() and linear_residual_(): shape checks around the shared GEMM (gemm.cc).
#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/packed_weight.h"

namespace tsr::cpu {

// Checks x[..., K] against w[N, K]; on success sets M, N, K and the output shape.
// The weight operand: a packed weight from upload(Matrix) or a plain row-major W[N, K].
static bool weight_source(CpuBackend& be, const Tensor& w, const char* op, BSource& src) {
  PackedInfo info;
  bool exact = false;
  if (w.device() == DeviceKind::Cpu && w.dtype() == DType::F32 && find_packed(w.data(), &info, &exact)) {
    if (!exact || w.shape() != Shape{info.N, info.K}) {
      be.fail(Error(Code::InvalidArgument, "%s: w %s is a view or reshape of a packed [%lld, %lld] weight", op,
                    shape_str(w.shape()).c_str(), (long long)info.N, (long long)info.K));
      return false;
    }
    src.packed = info.data;
    src.packed_nr = info.nr;
    return true;
  }
  if (!be.check_f32(w, op, "w")) return false;
  src.w = w.data_as<float>();
  src.ldw = w.ndim() == 2 ? w.dim(1) : 0;
  return true;
}

static bool linear_shapes(CpuBackend& be, const Tensor& x, const Tensor& w, const char* op, int64_t& M,
                          int64_t& N, int64_t& K, Shape& out) {
  if (!be.check_f32(x, op, "x")) return false;
  if (w.ndim() != 2 || x.ndim() < 1) {
    be.fail(Error(Code::ShapeMismatch, "%s: expected x[..., K] and w[N, K], got x %s, w %s", op,
                  shape_str(x.shape()).c_str(), shape_str(w.shape()).c_str()));
    return false;
  }
  N = w.dim(0);
  K = w.dim(1);
  if (x.dim(-1) != K) {
    be.fail(Error(Code::ShapeMismatch, "%s: x %s does not match w %s (inner dimension)", op,
                  shape_str(x.shape()).c_str(), shape_str(w.shape()).c_str()));
    return false;
  }
  M = K ? x.numel() / K : shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  out = x.shape();
  out.back() = N;
  return true;
}

Tensor CpuBackend::linear(const Tensor& x, const Tensor& w, const Tensor* b, Act act) {
  if (!x.defined() || !w.defined() || (b && !b->defined())) return Tensor();
  int64_t M, N, K;
  Shape out_shape;
  BSource src;
  if (!weight_source(*this, w, "linear", src) || !linear_shapes(*this, x, w, "linear", M, N, K, out_shape))
    return Tensor();
  if (!check_vec(b, N, "linear", "bias")) return Tensor();
  Tensor y = alloc(out_shape, "linear");
  if (!y.defined()) return y;
  GemmArgs g;
  g.M = M, g.N = N, g.K = K;
  g.A = x.data_as<float>(), g.lda = K;
  g.B = src;
  g.C = y.data_as<float>(), g.ldc = N;
  g.bias_n = b ? b->data_as<float>() : nullptr;
  g.act = act;
  Status st = gemm(g, pool());
  if (!st.ok()) return fail(st.with_context("linear"));
  return y;
}

void CpuBackend::linear_residual_(Tensor& res, const Tensor& x, const Tensor& w, const Tensor* b,
                                  const Tensor* gate) {
  if (!res.defined() || !x.defined() || !w.defined() || (b && !b->defined()) ||
      (gate && !gate->defined()))
    return;
  int64_t M, N, K;
  Shape out_shape;
  BSource src;
  if (!weight_source(*this, w, "linear_residual_", src) ||
      !linear_shapes(*this, x, w, "linear_residual_", M, N, K, out_shape))
    return;
  if (!check_f32(res, "linear_residual_", "res")) return;
  if (res.shape() != out_shape) {
    fail(Error(Code::ShapeMismatch, "linear_residual_: res %s, but x·wᵀ is %s", shape_str(res.shape()).c_str(),
               shape_str(out_shape).c_str()));
    return;
  }
  if (!check_vec(b, N, "linear_residual_", "bias") || !check_vec(gate, N, "linear_residual_", "gate")) return;
  GemmArgs g;
  g.M = M, g.N = N, g.K = K;
  g.A = x.data_as<float>(), g.lda = K;
  g.B = src;
  g.bias_n = b ? b->data_as<float>() : nullptr;
  g.R = res.data_as<float>(), g.ldr = N;
  g.gate = gate ? gate->data_as<float>() : nullptr;
  Tensor work;
  if (gemm_residual_needs_work(M, K)) {
    work = alloc({M, N}, "linear_residual_");
    if (!work.defined()) return;
    g.work = work.data_as<float>();
  }
  Status st = gemm(g, pool());
  if (!st.ok()) fail(st.with_context("linear_residual_"));
}

}  // namespace tsr::cpu
