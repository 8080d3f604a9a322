#include "core/tensor.h"

#include <cmath>
#include <cstdlib>
#include <new>
#include <sstream>

namespace tsr {

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

Tensor Tensor::wrap(void* data, DType dtype, Shape shape, DeviceKind device,
                    std::shared_ptr<void> owner) {
  Tensor t;
  t.data_ = data;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.device_ = device;
  t.owner_ = std::move(owner);
  return t;
}

Tensor Tensor::reshape(Shape shape) const {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) return Tensor();
      infer = int(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known) return Tensor();
    shape[infer] = numel() / known;
  }
  if (shape_numel(shape) != numel()) return Tensor();
  return wrap(data_, dtype_, std::move(shape), device_, owner_);
}

Tensor Tensor::rows(int64_t begin, int64_t count) const {
  if (shape_.empty() || begin < 0 || count < 0 || begin + count > shape_[0]) return Tensor();
  Shape s = shape_;
  s[0] = count;
  size_t row_bytes = size_t(numel() / (shape_[0] ? shape_[0] : 1)) * dtype_size(dtype_);
  return wrap(static_cast<char*>(data_) + begin * row_bytes, dtype_, std::move(s), device_, owner_);
}

Tensor host_empty(DType dtype, Shape shape) {
  size_t bytes = size_t(shape_numel(shape)) * dtype_size(dtype);
  size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded ? rounded : 64);
  if (!p) return Tensor();
  return Tensor::wrap(p, dtype, std::move(shape), DeviceKind::Cpu,
                      std::shared_ptr<void>(p, [](void* q) { std::free(q); }));
}

Tensor host_zeros(DType dtype, Shape shape) {
  Tensor t = host_empty(dtype, std::move(shape));
  if (t.data()) std::memset(t.data(), 0, t.nbytes());
  return t;
}

Tensor host_to_f32(const Tensor& t) {
  if (t.device() != DeviceKind::Cpu || !t.data()) return Tensor();
  Tensor out = host_empty(DType::F32, t.shape());
  if (!out.data()) return out;
  convert_to_f32(t.data(), t.dtype(), out.data_as<float>(), size_t(t.numel()));
  return out;
}

double rel_l2(const float* a, const float* ref, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = double(a[i]) - double(ref[i]);
    num += d * d;
    den += double(ref[i]) * double(ref[i]);
  }
  if (std::isnan(num)) return NAN;
  if (den == 0) return num == 0 ? 0.0 : INFINITY;
  return std::sqrt(num / den);
}

double rel_l2(const Tensor& a, const Tensor& ref) {
  if (a.numel() != ref.numel() || a.dtype() != DType::F32 || ref.dtype() != DType::F32) return NAN;
  return rel_l2(a.data_as<float>(), ref.data_as<float>(), size_t(a.numel()));
}

}  // namespace tsr
