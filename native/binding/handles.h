// Ownership of engine objects across JS objects and worker threads. A model handle keeps its
// engine alive, and a running worker keeps its model alive, so dispose() from JS never frees
// something a worker still uses: the last holder destroys it, models before their engine.
#pragma once

#include <atomic>
#include <memory>

#include "tessera.h"

namespace tsr_node {

struct EngineHandle {
  tsr_engine* engine = nullptr;
  explicit EngineHandle(tsr_engine* e) : engine(e) {}
  EngineHandle(const EngineHandle&) = delete;
  EngineHandle& operator=(const EngineHandle&) = delete;
  ~EngineHandle() {
    if (engine != nullptr) tsr_engine_destroy(engine);
  }
};

struct ModelHandle {
  std::shared_ptr<EngineHandle> engine;
  tsr_model* model = nullptr;
  std::atomic<bool> busy{false};  // one call at a time per model
  ModelHandle(std::shared_ptr<EngineHandle> e, tsr_model* m) : engine(std::move(e)), model(m) {}
  ModelHandle(const ModelHandle&) = delete;
  ModelHandle& operator=(const ModelHandle&) = delete;
  ~ModelHandle() {
    if (model != nullptr) tsr_model_destroy(model);
  }
};

using CancelFlag = std::atomic<bool>;

}  // namespace tsr_node
