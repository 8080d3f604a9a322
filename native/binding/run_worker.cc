#include "run_worker.h"

#include <cstring>
#include <exception>

namespace tsr_node {

Napi::Promise RunWorker::Start(Napi::Env env, std::shared_ptr<ModelHandle> model, std::unique_ptr<RunJob> job,
                               Napi::Value on_progress, std::shared_ptr<CancelFlag> cancel, const char* name) {
  if (!on_progress.IsUndefined() && !on_progress.IsNull() && !on_progress.IsFunction()) {
    throw_invalid(env, "the progress callback must be a function");
  }
  bool expected = false;
  if (!model->busy.compare_exchange_strong(expected, true)) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Reject(make_error(env, {TSR_E_INVALID_ARGUMENT, "the model is busy with another call"}).Value());
    return d.Promise();
  }
  auto* w = new RunWorker(env, std::move(model), std::move(job), std::move(cancel), name);
  Napi::Function cb = on_progress.IsFunction() ? on_progress.As<Napi::Function>()
                                               : Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  w->progress_ = ProgressFn::New(env, cb, name, 0, 1, w, &RunWorker::Finalize, static_cast<void*>(nullptr));
  Napi::Promise promise = w->deferred_.Promise();
  w->Queue();
  return promise;
}

RunWorker::RunWorker(Napi::Env env, std::shared_ptr<ModelHandle> model, std::unique_ptr<RunJob> job,
                     std::shared_ptr<CancelFlag> cancel, const char* name)
    : Napi::AsyncWorker(env, name),
      model_(std::move(model)),
      job_(std::move(job)),
      cancel_(cancel ? std::move(cancel) : std::make_shared<CancelFlag>(false)),
      deferred_(Napi::Promise::Deferred::New(env)) {
  SuppressDestruct();  // deleted by Finalize, after the last progress call
}

void RunWorker::Execute() {
  tsr_callbacks cb{};
  cb.on_progress = &RunWorker::OnProgress;
  cb.is_cancelled = &RunWorker::IsCancelled;
  cb.user = this;
  tsr_error err{};
  tsr_code code = TSR_E_INTERNAL;
  try {
    code = job_->run(model_->model, &cb, &err);
  } catch (const std::exception& e) {  // the C API promises not to throw; a bad_alloc here is ours
    std::strncpy(err.message, e.what(), sizeof(err.message) - 1);
    code = TSR_E_OUT_OF_MEMORY;
  }
  if (code != TSR_OK) error_ = from_tsr_error(code, err);
}

void RunWorker::OnProgress(const tsr_progress* p, void* user) {
  auto* self = static_cast<RunWorker*>(user);
  auto* copy = new (std::nothrow) ProgressCopy();
  if (copy == nullptr) return;
  copy->p = *p;
  copy->p.preview_rgb = nullptr;
  if (p->preview_rgb != nullptr && p->preview_frames > 0 && p->preview_width > 0 && p->preview_height > 0) {
    size_t n = static_cast<size_t>(p->preview_frames) * p->preview_width * p->preview_height * 3;
    try {
      copy->preview.assign(p->preview_rgb, p->preview_rgb + n);
    } catch (const std::bad_alloc&) {
      copy->preview.clear();  // drop this preview, keep the progress report
    }
  }
  if (self->progress_.NonBlockingCall(copy) != napi_ok) delete copy;
}

int RunWorker::IsCancelled(void* user) { return static_cast<RunWorker*>(user)->cancel_->load() ? 1 : 0; }

void RunWorker::CallJs(Napi::Env env, Napi::Function cb, RunWorker* self, ProgressCopy* data) {
  std::unique_ptr<ProgressCopy> owned(data);
  if (env == nullptr || cb.IsEmpty() || !self->callback_error_.IsEmpty()) return;
  try {
    cb.Call({progress_to_js(env, *owned)});
  } catch (const Napi::Error& e) {
    // A throwing progress handler stops the run and becomes its error.
    self->callback_error_ = Napi::Persistent(e.Value());
    self->cancel_->store(true);
  }
}

void RunWorker::OnOK() {
  model_->busy.store(false);
  progress_.Release();
}

void RunWorker::OnError(const Napi::Error& e) {
  error_ = {TSR_E_INTERNAL, e.Message()};
  model_->busy.store(false);
  progress_.Release();
}

void RunWorker::Finalize(Napi::Env env, void*, RunWorker* self) {
  std::unique_ptr<RunWorker> owned(self);
  Napi::HandleScope scope(env);
  if (!self->callback_error_.IsEmpty()) {
    self->deferred_.Reject(self->callback_error_.Value());
    return;
  }
  if (self->error_.code != TSR_OK) {
    self->deferred_.Reject(make_error(env, self->error_).Value());
    return;
  }
  try {
    self->deferred_.Resolve(self->job_->result(env));
  } catch (const Napi::Error& e) {
    self->deferred_.Reject(e.Value());
  }
}

}  // namespace tsr_node
