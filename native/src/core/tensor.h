// A dense, row-major tensor view with shared ownership of its storage.
//
// Tensors are always contiguous; views (reshape, rows) share the owner. Host tensors come
// from host_empty() or wrap mmapped checkpoint data; device tensors come from a Backend.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace tsr {

enum class DeviceKind : uint8_t { Cpu = 0, Cuda };

using Shape = std::vector<int64_t>;
int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);  // "[16, 3, 4, 6]"

class Tensor {
 public:
  Tensor() = default;
  // Wraps existing memory; `owner` keeps it alive (may be null for borrowed memory).
  static Tensor wrap(void* data, DType dtype, Shape shape, DeviceKind device,
                     std::shared_ptr<void> owner);

  bool defined() const { return data_ != nullptr || (numel() == 0 && !shape_.empty()); }
  DType dtype() const { return dtype_; }
  DeviceKind device() const { return device_; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return int(shape_.size()); }
  int64_t dim(int i) const { return shape_[i < 0 ? i + ndim() : i]; }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return size_t(numel()) * dtype_size(dtype_); }
  void* data() const { return data_; }
  template <class T>
  T* data_as() const { return static_cast<T*>(data_); }
  const std::shared_ptr<void>& owner() const { return owner_; }

  // Same storage, new shape (numel must match; -1 infers one dim). Undefined tensor on mismatch.
  Tensor reshape(Shape shape) const;
  // Rows [begin, begin+count) along dim 0, sharing storage.
  Tensor rows(int64_t begin, int64_t count) const;

 private:
  void* data_ = nullptr;
  DType dtype_ = DType::F32;
  DeviceKind device_ = DeviceKind::Cpu;
  Shape shape_;
  std::shared_ptr<void> owner_;
};

// 64-byte aligned host allocation. Returns an undefined tensor when memory is exhausted.
Tensor host_empty(DType dtype, Shape shape);
Tensor host_zeros(DType dtype, Shape shape);
// Host float32 copy of any host tensor (F32/BF16/F16/I32/I64 sources).
Tensor host_to_f32(const Tensor& t);

// ||a - b|| / ||b|| in double precision over float32 host tensors of equal numel.
double rel_l2(const Tensor& a, const Tensor& ref);
double rel_l2(const float* a, const float* ref, size_t n);

}  // namespace tsr
