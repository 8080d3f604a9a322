// The JS classes the addon exports: Engine, Model and CancelToken. Engines and models are created
// only by the async factories (createEngine, engine.loadModel); their constructors take an
// External handle and are not meant to be called from JS.
#pragma once

#include <memory>

#include "common.h"
#include "handles.h"

namespace tsr_node {

struct AddonData {
  Napi::FunctionReference engine_ctor, model_ctor, cancel_ctor;
};

class CancelToken : public Napi::ObjectWrap<CancelToken> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit CancelToken(const Napi::CallbackInfo& info);
  std::shared_ptr<CancelFlag> flag() const { return flag_; }

 private:
  void Cancel(const Napi::CallbackInfo& info);
  Napi::Value Cancelled(const Napi::CallbackInfo& info);
  std::shared_ptr<CancelFlag> flag_ = std::make_shared<CancelFlag>(false);
};

class EngineObject : public Napi::ObjectWrap<EngineObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<EngineHandle> handle);
  explicit EngineObject(const Napi::CallbackInfo& info);

 private:
  std::shared_ptr<EngineHandle> live(Napi::Env env) const;
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value LoadModel(const Napi::CallbackInfo& info);
  Napi::Value VerifyFixture(const Napi::CallbackInfo& info);
  void Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<EngineHandle> handle_;
};

class ModelObject : public Napi::ObjectWrap<ModelObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<ModelHandle> handle);
  explicit ModelObject(const Napi::CallbackInfo& info);

 private:
  std::shared_ptr<ModelHandle> live(Napi::Env env) const;
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Generate(const Napi::CallbackInfo& info);
  Napi::Value EstimateMemory(const Napi::CallbackInfo& info);
  Napi::Value AttentionMap(const Napi::CallbackInfo& info);
  Napi::Value Calibrate(const Napi::CallbackInfo& info);
  void Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<ModelHandle> handle_;
};

// createEngine(options) -> Promise<Engine>
Napi::Value CreateEngine(const Napi::CallbackInfo& info);

// The cancel flag of an optional CancelToken argument (a fresh, never-set flag when absent).
std::shared_ptr<CancelFlag> cancel_flag_from_js(Napi::Env env, Napi::Value v);

}  // namespace tsr_node
