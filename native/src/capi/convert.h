// tsr_* structs <-> engine values, with every pointer and enum checked.
#pragma once

#include "capi/capi_internal.h"
#include "engine/request.h"

namespace tsr::capi {

// INVALID_ARGUMENT for NULL arrays with positive lengths, negative lengths, unknown enums.
StatusOr<GenerateRequest> to_request(const tsr_generate_params* p);

// Forwards progress to tsr_callbacks and polls its is_cancelled.
class CallbackObserver final : public RunObserver {
 public:
  explicit CallbackObserver(const tsr_callbacks* cb) : cb_(cb) {}
  void on_progress(const ProgressEvent& e) override;
  bool cancelled() override { return cb_ && cb_->is_cancelled && cb_->is_cancelled(cb_->user) != 0; }

 private:
  const tsr_callbacks* cb_;
};

}  // namespace tsr::capi
