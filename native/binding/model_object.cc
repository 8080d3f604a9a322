// Model: info / generate / estimateMemory / attentionMap / calibrate / dispose.
#include <memory>

#include "convert.h"
#include "objects.h"
#include "run_worker.h"

namespace tsr_node {
namespace {

class GenerateJob : public RunJob {
 public:
  explicit GenerateJob(GenerateBaton b) : baton_(std::move(b)) {}
  ~GenerateJob() override { tsr_video_free(&video_); }
  tsr_code run(tsr_model* m, const tsr_callbacks* cb, tsr_error* err) override {
    return tsr_generate(m, baton_.params(), cb, &video_, err);
  }
  Napi::Value result(Napi::Env env) override { return video_to_js(env, video_); }

 private:
  GenerateBaton baton_;
  tsr_video video_{};
};

class AttnMapJob : public RunJob {
 public:
  AttnMapJob(GenerateBaton b, tsr_attn_map_request r) : baton_(std::move(b)), request_(r) {}
  ~AttnMapJob() override { tsr_attn_map_free(&map_); }
  tsr_code run(tsr_model* m, const tsr_callbacks* cb, tsr_error* err) override {
    return tsr_attention_map(m, baton_.params(), &request_, cb, &map_, err);
  }
  Napi::Value result(Napi::Env env) override { return attn_map_to_js(env, map_); }

 private:
  GenerateBaton baton_;
  tsr_attn_map_request request_;
  tsr_attn_map map_{};
};

class CalibrateJob : public RunJob {
 public:
  CalibrateJob(GenerateBaton b, CalibrationBaton r) : baton_(std::move(b)), request_(std::move(r)) {}
  ~CalibrateJob() override { tsr_calibration_free(&cal_); }
  tsr_code run(tsr_model* m, const tsr_callbacks* cb, tsr_error* err) override {
    return tsr_calibrate(m, baton_.params(), request_.request(), cb, &cal_, err);
  }
  Napi::Value result(Napi::Env env) override { return calibration_to_js(env, cal_, request_.candidates); }

 private:
  GenerateBaton baton_;
  CalibrationBaton request_;
  tsr_calibration cal_{};
};

Napi::Value arg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i ? info[i] : info.Env().Undefined();
}

}  // namespace

Napi::Function ModelObject::Define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {InstanceMethod<&ModelObject::Info>("info"),
                      InstanceMethod<&ModelObject::Generate>("generate"),
                      InstanceMethod<&ModelObject::EstimateMemory>("estimateMemory"),
                      InstanceMethod<&ModelObject::AttentionMap>("attentionMap"),
                      InstanceMethod<&ModelObject::Calibrate>("calibrate"),
                      InstanceMethod<&ModelObject::Dispose>("dispose")});
}

Napi::Object ModelObject::Wrap(Napi::Env env, std::shared_ptr<ModelHandle> handle) {
  auto* holder = new std::shared_ptr<ModelHandle>(std::move(handle));
  auto ext = Napi::External<std::shared_ptr<ModelHandle>>::New(
      env, holder, [](Napi::Env, std::shared_ptr<ModelHandle>* h) { delete h; });
  return env.GetInstanceData<AddonData>()->model_ctor.New({ext});
}

ModelObject::ModelObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelObject>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw_invalid(info.Env(), "Model objects are created by engine.loadModel()");
  }
  handle_ = *info[0].As<Napi::External<std::shared_ptr<ModelHandle>>>().Data();
}

std::shared_ptr<ModelHandle> ModelObject::live(Napi::Env env) const {
  if (!handle_) throw_invalid(env, "the model has been disposed");
  return handle_;
}

Napi::Value ModelObject::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tsr_model_info out{};
  tsr_error err{};
  tsr_code code = tsr_model_get_info(live(env)->model, &out, &err);
  if (code != TSR_OK) throw make_error(env, from_tsr_error(code, err));
  return model_info_to_js(env, out);
}

// generate(params, onProgress?, cancelToken?) -> Promise<video>
Napi::Value ModelObject::Generate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto model = live(env);
  auto job = std::make_unique<GenerateJob>(generate_params_from_js(env, arg(info, 0)));
  auto cancel = cancel_flag_from_js(env, arg(info, 2));
  return RunWorker::Start(env, std::move(model), std::move(job), arg(info, 1), std::move(cancel), "tessera.generate");
}

// estimateMemory(params) -> estimate (synchronous: arithmetic only, no allocation)
Napi::Value ModelObject::EstimateMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto model = live(env);
  GenerateBaton b = generate_params_from_js(env, arg(info, 0));
  tsr_memory_estimate out{};
  tsr_error err{};
  tsr_code code = tsr_estimate_memory(model->model, b.params(), &out, &err);
  if (code != TSR_OK) throw make_error(env, from_tsr_error(code, err));
  return memory_estimate_to_js(env, out);
}

// attentionMap(params, request, onProgress?, cancelToken?) -> Promise<map>
Napi::Value ModelObject::AttentionMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto model = live(env);
  auto job = std::make_unique<AttnMapJob>(generate_params_from_js(env, arg(info, 0)),
                                          attn_map_request_from_js(env, arg(info, 1)));
  auto cancel = cancel_flag_from_js(env, arg(info, 3));
  return RunWorker::Start(env, std::move(model), std::move(job), arg(info, 2), std::move(cancel),
                          "tessera.attentionMap");
}

// calibrate(params, request, onProgress?, cancelToken?) -> Promise<calibration>
Napi::Value ModelObject::Calibrate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto model = live(env);
  auto job = std::make_unique<CalibrateJob>(generate_params_from_js(env, arg(info, 0)),
                                            calibration_request_from_js(env, arg(info, 1)));
  auto cancel = cancel_flag_from_js(env, arg(info, 3));
  return RunWorker::Start(env, std::move(model), std::move(job), arg(info, 2), std::move(cancel),
                          "tessera.calibrate");
}

// Drops this object's reference; a running call keeps the model until it finishes.
void ModelObject::Dispose(const Napi::CallbackInfo&) { handle_.reset(); }

}  // namespace tsr_node
