// The CPU backend's identity and its attention entry, which delegates to the attention
// module (attention/cpu_attention.cc): one float32 implementation for the backend, the
// tests and the calibration tools.
#include "backend/cpu/cpu_backend.h"

#include "attention/cpu_attention.h"

namespace tsr {

namespace cpu {

Tensor CpuBackend::attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttnSpec& spec) {
  if (!q.defined() || !k.defined() || !v.defined()) return Tensor();
  if (spec.rel_bias && !spec.rel_bias->defined()) return Tensor();
  if (!check_f32(q, "attention", "q") || !check_f32(k, "attention", "k") || !check_f32(v, "attention", "v"))
    return Tensor();
  if (spec.rel_bias && !check_f32(*spec.rel_bias, "attention", "rel_bias")) return Tensor();
  if (q.ndim() != 2 || k.ndim() != 2 || v.ndim() != 2)
    return fail(Error(Code::ShapeMismatch, "attention: expected 2-d q, k, v, got %s, %s, %s",
                      shape_str(q.shape()).c_str(), shape_str(k.shape()).c_str(), shape_str(v.shape()).c_str()));
  Tensor out = alloc(q.shape(), "attention");
  if (!out.defined()) return out;
  Status st = cpu_attention(q, k, v, out, spec, pool());
  if (!st.ok()) return fail(st);
  return out;
}

}  // namespace cpu

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<cpu::CpuBackend>(); }

}  // namespace tsr
