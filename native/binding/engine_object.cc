// Engine: createEngine / info / loadModel / verifyFixture / dispose.
#include <string>
#include <vector>

#include "convert.h"
#include "objects.h"

namespace tsr_node {
namespace {

// Base for the simple one-shot workers: run on the pool, settle a promise on the JS thread.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  virtual tsr_code Run(tsr_error* err) = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

  void Execute() override {
    tsr_error err{};
    tsr_code code = Run(&err);
    if (code != TSR_OK) error_ = from_tsr_error(code, err);
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (error_.code != TSR_OK) {
      deferred_.Reject(make_error(env, error_).Value());
      return;
    }
    try {
      deferred_.Resolve(Result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  NativeError error_;
};

class CreateEngineWorker : public PromiseWorker {
 public:
  CreateEngineWorker(Napi::Env env, tsr_engine_options opts)
      : PromiseWorker(env, "tessera.createEngine"), opts_(opts) {}

 private:
  tsr_code Run(tsr_error* err) override { return tsr_engine_create(&opts_, &engine_, err); }
  Napi::Value Result(Napi::Env env) override {
    auto handle = std::make_shared<EngineHandle>(engine_);
    engine_ = nullptr;
    return EngineObject::Wrap(env, std::move(handle));
  }
  ~CreateEngineWorker() override {
    if (engine_ != nullptr) tsr_engine_destroy(engine_);
  }
  tsr_engine_options opts_;
  tsr_engine* engine_ = nullptr;
};

class LoadModelWorker : public PromiseWorker {
 public:
  LoadModelWorker(Napi::Env env, std::shared_ptr<EngineHandle> engine, std::string dir, tsr_model_options opts)
      : PromiseWorker(env, "tessera.loadModel"), engine_(std::move(engine)), dir_(std::move(dir)), opts_(opts) {}

 private:
  tsr_code Run(tsr_error* err) override { return tsr_model_load(engine_->engine, dir_.c_str(), &opts_, &model_, err); }
  Napi::Value Result(Napi::Env env) override {
    auto handle = std::make_shared<ModelHandle>(engine_, model_);
    model_ = nullptr;
    return ModelObject::Wrap(env, std::move(handle));
  }
  ~LoadModelWorker() override {
    if (model_ != nullptr) tsr_model_destroy(model_);
  }
  std::shared_ptr<EngineHandle> engine_;
  std::string dir_;
  tsr_model_options opts_;
  tsr_model* model_ = nullptr;
};

class VerifyFixtureWorker : public PromiseWorker {
 public:
  VerifyFixtureWorker(Napi::Env env, std::shared_ptr<EngineHandle> engine, std::string path)
      : PromiseWorker(env, "tessera.verifyFixture"), engine_(std::move(engine)), path_(std::move(path)) {}

 private:
  static constexpr int kCapacity = 32;
  tsr_code Run(tsr_error* err) override {
    results_.assign(kCapacity, tsr_fixture_result{});
    return tsr_verify_fixture(engine_->engine, path_.c_str(), results_.data(), kCapacity, &count_, err);
  }
  Napi::Value Result(Napi::Env env) override {
    int n = count_ < 0 ? 0 : (count_ > kCapacity ? kCapacity : count_);
    Napi::Array out = Napi::Array::New(env, n);
    for (int i = 0; i < n; ++i) out.Set(static_cast<uint32_t>(i), fixture_result_to_js(env, results_[i]));
    return out;
  }
  std::shared_ptr<EngineHandle> engine_;
  std::string path_;
  std::vector<tsr_fixture_result> results_;
  int count_ = 0;
};

std::string string_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) throw_invalid(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Value CreateEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tsr_engine_options opts = engine_options_from_js(env, info.Length() > 0 ? info[0] : env.Undefined());
  auto* w = new CreateEngineWorker(env, opts);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Function EngineObject::Define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {InstanceMethod<&EngineObject::Info>("info"),
                      InstanceMethod<&EngineObject::LoadModel>("loadModel"),
                      InstanceMethod<&EngineObject::VerifyFixture>("verifyFixture"),
                      InstanceMethod<&EngineObject::Dispose>("dispose")});
}

Napi::Object EngineObject::Wrap(Napi::Env env, std::shared_ptr<EngineHandle> handle) {
  auto* holder = new std::shared_ptr<EngineHandle>(std::move(handle));
  auto ext = Napi::External<std::shared_ptr<EngineHandle>>::New(
      env, holder, [](Napi::Env, std::shared_ptr<EngineHandle>* h) { delete h; });
  return env.GetInstanceData<AddonData>()->engine_ctor.New({ext});
}

EngineObject::EngineObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineObject>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw_invalid(info.Env(), "Engine objects are created by createEngine()");
  }
  handle_ = *info[0].As<Napi::External<std::shared_ptr<EngineHandle>>>().Data();
}

std::shared_ptr<EngineHandle> EngineObject::live(Napi::Env env) const {
  if (!handle_) throw_invalid(env, "the engine has been disposed");
  return handle_;
}

Napi::Value EngineObject::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tsr_engine_info out{};
  tsr_error err{};
  tsr_code code = tsr_engine_get_info(live(env)->engine, &out, &err);
  if (code != TSR_OK) throw make_error(env, from_tsr_error(code, err));
  return engine_info_to_js(env, out);
}

Napi::Value EngineObject::LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = string_arg(info, 0, "the model folder");
  tsr_model_options opts = model_options_from_js(env, info.Length() > 1 ? info[1] : env.Undefined());
  auto* w = new LoadModelWorker(env, live(env), std::move(dir), opts);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value EngineObject::VerifyFixture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = string_arg(info, 0, "the fixture path");
  auto* w = new VerifyFixtureWorker(env, live(env), std::move(path));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// Drops this object's reference; the engine is destroyed once no model or worker holds it.
void EngineObject::Dispose(const Napi::CallbackInfo&) { handle_.reset(); }

}  // namespace tsr_node
