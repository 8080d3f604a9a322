// Entry point of the Node addon: registration only. Everything the addon does goes through the
// C API in tessera.h.
#include "objects.h"

namespace tsr_node {
namespace {

Napi::Value CodeName(const Napi::CallbackInfo& info) {
  int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  return Napi::String::New(info.Env(), tsr_code_name(static_cast<tsr_code>(code)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function engine = EngineObject::Define(env);
  Napi::Function model = ModelObject::Define(env);
  Napi::Function cancel = CancelToken::Define(env);
  data->engine_ctor = Napi::Persistent(engine);
  data->model_ctor = Napi::Persistent(model);
  data->cancel_ctor = Napi::Persistent(cancel);
  env.SetInstanceData<AddonData>(data);

  exports.Set("apiVersion", Napi::Number::New(env, TSR_API_VERSION));
  exports.Set("createEngine", Napi::Function::New<CreateEngine>(env, "createEngine"));
  exports.Set("codeName", Napi::Function::New<CodeName>(env, "codeName"));
  exports.Set("Engine", engine);
  exports.Set("Model", model);
  exports.Set("CancelToken", cancel);
  return exports;
}

}  // namespace
}  // namespace tsr_node

static Napi::Object InitTessera(Napi::Env env, Napi::Object exports) { return tsr_node::Init(env, exports); }

NODE_API_MODULE(tessera, InitTessera)
