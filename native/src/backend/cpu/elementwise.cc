#include "backend/cpu/elementwise.h"

#include <algorithm>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/simd.h"

namespace tsr::cpu {

// Not __restrict: callers may apply an activation in place.
TSR_CLONES
void act_f32(const float* x, float* y, int64_t n, Act act) {
  switch (act) {
    case Act::GeluTanh:
      for (int64_t i = 0; i < n; ++i) y[i] = gelu_tanh_f32(x[i]);
      break;
    case Act::Silu:
      for (int64_t i = 0; i < n; ++i) y[i] = silu_f32(x[i]);
      break;
    case Act::None:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i];
      break;
  }
}

TSR_CLONES
static void add_f32(const float* __restrict a, const float* __restrict b, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

TSR_CLONES
static void mul_f32(const float* __restrict a, const float* __restrict b, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

// res[j] += y[j] · gate[j] (gate null: 1) for one row. res and y may not overlap.
TSR_CLONES
static void add_gated_row(float* __restrict res, const float* __restrict y, const float* __restrict gate,
                          int64_t n) {
  if (gate)
    for (int64_t j = 0; j < n; ++j) res[j] += y[j] * gate[j];
  else
    for (int64_t j = 0; j < n; ++j) res[j] += y[j];
}

// NaN stays NaN, as torch.clamp: both comparisons are false for NaN.
TSR_CLONES
static void clamp_f32(const float* __restrict x, float* __restrict y, int64_t n, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i];
    v = v < lo ? lo : v;
    y[i] = v > hi ? hi : v;
  }
}

// Splits n elements into chunks of at least 64k for the pool.
template <class F>
static void for_chunks(ThreadPool& pool, int64_t n, F&& f) {
  pool.parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) { f(b, e - b); });
}

Tensor CpuBackend::unary(const Tensor& x, Act act) {
  if (!x.defined()) return Tensor();
  if (!check_f32(x, "unary", "x")) return Tensor();
  Tensor y = alloc(x.shape(), "unary");
  if (!y.defined()) return y;
  const float* xp = x.data_as<float>();
  float* yp = y.data_as<float>();
  for_chunks(pool(), x.numel(), [&](int64_t b, int64_t n) { act_f32(xp + b, yp + b, n, act); });
  return y;
}

// Shared checks of the binary ops: both float32 of the same shape.
static bool same_shape(CpuBackend& be, const Tensor& a, const Tensor& b, const char* op) {
  if (!be.check_f32(a, op, "a") || !be.check_f32(b, op, "b")) return false;
  if (a.shape() != b.shape()) {
    be.fail(Error(Code::ShapeMismatch, "%s: shapes %s and %s differ", op, shape_str(a.shape()).c_str(),
                  shape_str(b.shape()).c_str()));
    return false;
  }
  return true;
}

Tensor CpuBackend::add(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) return Tensor();
  if (!same_shape(*this, a, b, "add")) return Tensor();
  Tensor y = alloc(a.shape(), "add");
  if (!y.defined()) return y;
  const float *ap = a.data_as<float>(), *bp = b.data_as<float>();
  float* yp = y.data_as<float>();
  for_chunks(pool(), a.numel(), [&](int64_t s, int64_t n) { add_f32(ap + s, bp + s, yp + s, n); });
  return y;
}

Tensor CpuBackend::mul(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) return Tensor();
  if (!same_shape(*this, a, b, "mul")) return Tensor();
  Tensor y = alloc(a.shape(), "mul");
  if (!y.defined()) return y;
  const float *ap = a.data_as<float>(), *bp = b.data_as<float>();
  float* yp = y.data_as<float>();
  for_chunks(pool(), a.numel(), [&](int64_t s, int64_t n) { mul_f32(ap + s, bp + s, yp + s, n); });
  return y;
}

void CpuBackend::add_gated_(Tensor& res, const Tensor& y, const Tensor* gate) {
  if (!res.defined() || !y.defined() || (gate && !gate->defined())) return;
  if (!same_shape(*this, res, y, "add_gated_")) return;
  if (res.ndim() < 1) {
    fail(Error(Code::ShapeMismatch, "add_gated_: res is a scalar"));
    return;
  }
  const int64_t n = res.dim(-1);
  if (!check_vec(gate, n, "add_gated_", "gate") || n == 0) return;
  float* rp = res.data_as<float>();
  const float *yp = y.data_as<float>(), *gp = gate ? gate->data_as<float>() : nullptr;
  pool().parallel_for(res.numel() / n, std::max<int64_t>(1, 65536 / n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) add_gated_row(rp + r * n, yp + r * n, gp, n);
  });
}

Tensor CpuBackend::clamp(const Tensor& x, float lo, float hi) {
  if (!x.defined()) return Tensor();
  if (!check_f32(x, "clamp", "x")) return Tensor();
  if (!(lo <= hi)) return fail(Error(Code::InvalidArgument, "clamp: lo %g > hi %g", double(lo), double(hi)));
  Tensor y = alloc(x.shape(), "clamp");
  if (!y.defined()) return y;
  const float* xp = x.data_as<float>();
  float* yp = y.data_as<float>();
  for_chunks(pool(), x.numel(), [&](int64_t b, int64_t n) { clamp_f32(xp + b, yp + b, n, lo, hi); });
  return y;
}

}  // namespace tsr::cpu
