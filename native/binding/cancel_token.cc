// CancelToken: JS sets it (AbortSignal -> cancel()), the engine polls it between steps and chunks.
#include "objects.h"

namespace tsr_node {

Napi::Function CancelToken::Define(Napi::Env env) {
  return DefineClass(env, "CancelToken",
                     {InstanceMethod<&CancelToken::Cancel>("cancel"),
                      InstanceAccessor<&CancelToken::Cancelled>("cancelled")});
}

CancelToken::CancelToken(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelToken>(info) {}

void CancelToken::Cancel(const Napi::CallbackInfo&) { flag_->store(true); }

Napi::Value CancelToken::Cancelled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), flag_->load());
}

std::shared_ptr<CancelFlag> cancel_flag_from_js(Napi::Env env, Napi::Value v) {
  if (v.IsUndefined() || v.IsNull()) return std::make_shared<CancelFlag>(false);
  auto* data = env.GetInstanceData<AddonData>();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(data->cancel_ctor.Value())) {
    throw_invalid(env, "expected a CancelToken");
  }
  return CancelToken::Unwrap(v.As<Napi::Object>())->flag();
}

}  // namespace tsr_node
