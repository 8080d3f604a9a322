// umT5 encoder (Wan's T5Encoder), spec/wan21.md §6.
#pragma once

#include <memory>
#include <vector>

#include "backend/backend.h"
#include "io/weights.h"
#include "models/configs.h"

namespace tsr {

// Resident: every weight on the backend after load. Streamed: the matrices and the token
// table stay in (memory-mapped) host memory and each layer's matrices are uploaded just before
// that layer runs, so encoding needs one layer's weights on the device instead of the whole
// encoder (umT5-XXL: about 0.4 GB instead of 11 GB), at the cost of one host-to-device copy
// of the weights per encode.
enum class T5Residency { Resident, Streamed };

class UmT5Encoder {
 public:
  static StatusOr<std::unique_ptr<UmT5Encoder>> load(const WeightStore& weights, const T5Config& cfg,
                                                     Backend& be,
                                                     T5Residency residency = T5Residency::Resident);
  T5Residency residency() const { return residency_; }
  const T5Config& config() const { return cfg_; }
  uint64_t params() const { return params_; }
  // ids: S token ids of which the first `real_len` are real (the rest pads, masked as keys).
  // Returns host float32 [S, dim] for all S positions.
  StatusOr<Tensor> encode(const std::vector<int32_t>& ids, int real_len) const;

 private:
  UmT5Encoder(const T5Config& cfg, Backend& be) : cfg_(cfg), be_(be) {}
  struct Weights;
  T5Config cfg_;
  Backend& be_;
  T5Residency residency_ = T5Residency::Resident;
  std::shared_ptr<Weights> w_;
  uint64_t params_ = 0;
};

}  // namespace tsr
