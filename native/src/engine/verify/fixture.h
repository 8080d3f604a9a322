// Golden fixture verification (shared/golden/README.md): a fixture NAME is NAME.io.safetensors
// (inputs, expected outputs, "config" metadata) plus, for models, weight files beside it:
// NAME.weights.safetensors, .weights.pth, .weights.bf16.safetensors, .weights.bf16.pth.
// The kind comes from the name prefix, so new fixtures need no code changes:
//   wan_dit_ -> DiT forward; wan_vae_ -> VAE decode and encode; umt5_ -> text encoder;
//   flow_unipc_ -> FlowUniPC sampler; sta_attn_ -> sliding-tile attention.
#pragma once

#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "core/tensor.h"
#include "io/weights.h"

namespace tsr {

struct FixtureResult {
  std::string name, kind, variant;
  double rel_l2 = 0, tolerance = 0;
  bool passed = false;
  std::string detail;
};

// Tolerances (relative L2 against the golden outputs).
struct Tolerances {
  static constexpr double kModelF32 = 2e-5;   // DiT, VAE, umT5 on the float32 CPU path
  static constexpr double kSampler = 1e-5;    // host math on every backend
  static constexpr double kStaCpu = 1e-5;
  static constexpr double kGpu = 2e-2;        // bf16 GEMMs/attention with fp32 accumulation
  // Weights rounded to bf16 perturb each weight by up to 2^-9 relative; against the golden
  // outputs (computed with float32 weights) that alone measured 1.6e-2 on umt5_tiny. This
  // loose bound is paired with a tight one: the same backend's output with the float32 weights
  // rounded to bf16 must match at the op tolerance (fixture.cc), which a wrong bf16 path fails.
  static constexpr double kModelBf16Weights = 3e-2;
  static constexpr double kGpuBf16Weights = 5e-2;
};

// Runs every result of the fixture at io_path on `be`. Errors (not failures): NotFound (no
// such file, or no weights for a model fixture), CorruptFile, Unsupported (unknown prefix).
StatusOr<std::vector<FixtureResult>> verify_fixture(Backend& be, const std::string& io_path);

namespace fixture {

struct Context {
  Backend& be;
  std::string name;        // NAME
  std::string dir;         // folder holding the files
  std::shared_ptr<WeightStore> io;
  std::string config;      // "config" metadata (JSON)
  bool gpu = false;        // be is not the float32 CPU reference
};

struct WeightVariant {
  std::string variant;  // "safetensors", "pth", "bf16.safetensors", "bf16.pth"
  std::string path;
  bool bf16 = false;
};
// The weight files present beside the fixture, in a fixed order.
std::vector<WeightVariant> weight_variants(const Context& c);

// io tensor as host float32.
StatusOr<Tensor> io_tensor(const Context& c, const std::string& key);

// Fills rel_l2 / passed for an output against the expected tensor (NaN/Inf or a shape mismatch
// fail with a detail).
void compare(const Tensor& out, const Tensor& expected, FixtureResult* r);
double model_tolerance(const Context& c, bool bf16_weights);

Status verify_dit(Context& c, std::vector<FixtureResult>* out);
Status verify_vae(Context& c, std::vector<FixtureResult>* out);
Status verify_umt5(Context& c, std::vector<FixtureResult>* out);
Status verify_flow_unipc(Context& c, std::vector<FixtureResult>* out);
Status verify_sta_attn(Context& c, std::vector<FixtureResult>* out);

}  // namespace fixture
}  // namespace tsr
