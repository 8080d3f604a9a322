// One AsyncWorker per long call on a model (generate, attention map, calibration). Progress
// reports and previews are copied on the engine's thread and delivered to JS through a
// thread-safe function; cancellation is a flag the engine polls. The promise is settled from the
// thread-safe function's finalizer, so every progress event reaches JS before the result does.
#pragma once

#include <memory>

#include "common.h"
#include "convert.h"
#include "handles.h"

namespace tsr_node {

// The part that differs between calls: what runs on the worker thread, and how its result
// becomes a JS value on the JS thread.
class RunJob {
 public:
  virtual ~RunJob() = default;
  virtual tsr_code run(tsr_model* model, const tsr_callbacks* callbacks, tsr_error* err) = 0;
  virtual Napi::Value result(Napi::Env env) = 0;
};

class RunWorker : public Napi::AsyncWorker {
 public:
  // Queues the job; returns the promise. `on_progress` may be undefined.
  static Napi::Promise Start(Napi::Env env, std::shared_ptr<ModelHandle> model, std::unique_ptr<RunJob> job,
                             Napi::Value on_progress, std::shared_ptr<CancelFlag> cancel, const char* name);

 private:
  RunWorker(Napi::Env env, std::shared_ptr<ModelHandle> model, std::unique_ptr<RunJob> job,
            std::shared_ptr<CancelFlag> cancel, const char* name);

  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

  static void OnProgress(const tsr_progress* p, void* user);
  static int IsCancelled(void* user);
  static void CallJs(Napi::Env env, Napi::Function cb, RunWorker* self, ProgressCopy* data);
  static void Finalize(Napi::Env env, void* unused, RunWorker* self);

  using ProgressFn = Napi::TypedThreadSafeFunction<RunWorker, ProgressCopy, &RunWorker::CallJs>;

  std::shared_ptr<ModelHandle> model_;
  std::unique_ptr<RunJob> job_;
  std::shared_ptr<CancelFlag> cancel_;
  Napi::Promise::Deferred deferred_;
  ProgressFn progress_;
  NativeError error_;
  Napi::ObjectReference callback_error_;  // thrown by the JS progress callback
};

}  // namespace tsr_node
