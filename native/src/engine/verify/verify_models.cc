// Model fixtures: DiT forward, VAE decode/encode, umT5 encoder, for every weight variant.
#include <cmath>

#include "engine/verify/fixture.h"
#include "models/dit.h"
#include "models/t5.h"
#include "models/vae.h"

namespace tsr::fixture {

namespace {

// The float32 weights of another store rounded to bf16 (round to nearest even), presented as
// bf16 tensors: what a bf16 checkpoint of the same model holds.
class Bf16RoundedStore final : public WeightStore {
 public:
  explicit Bf16RoundedStore(std::shared_ptr<WeightStore> inner) : inner_(std::move(inner)) {}
  std::vector<std::string> keys() const override { return inner_->keys(); }
  bool has(const std::string& name) const override { return inner_->has(name); }
  StatusOr<TensorInfo> info(const std::string& name) const override {
    TSR_ASSIGN_OR_RETURN(TensorInfo i, inner_->info(name));
    i.dtype = DType::BF16;
    return i;
  }
  StatusOr<Tensor> get(const std::string& name) const override {
    TSR_ASSIGN_OR_RETURN(Tensor t, inner_->get(name));
    Tensor f = host_to_f32(t);
    Tensor b = host_empty(DType::BF16, t.shape());
    if ((!f.data() || !b.data()) && t.numel() > 0) return Error(Code::OutOfMemory, "rounding %s", name.c_str());
    convert_from_f32(f.data_as<float>(), b.data(), DType::BF16, size_t(t.numel()));
    return b;
  }
  const std::map<std::string, std::string>& metadata() const override { return inner_->metadata(); }

 private:
  std::shared_ptr<WeightStore> inner_;
};

// Runs fn(store) -> output for each weight variant; load or run errors become failed results.
// A bf16 variant is held to two bounds: against the golden output (computed with float32
// weights, so weight rounding alone shows up; Tolerances::kBf16WeightsVsGolden), and against
// this backend's own output with the float32 weights rounded to bf16 (the op tolerance: that
// comparison isolates the bf16 loading path from the rounding).
template <class Fn>
Status for_each_variant(Context& c, const char* kind, const Tensor& expected, std::vector<FixtureResult>* out,
                        Fn&& fn) {
  auto variants = weight_variants(c);
  if (variants.empty())
    return Error(Code::NotFound, "no weights beside the fixture (%s.weights.safetensors or .pth)", c.name.c_str());
  std::shared_ptr<WeightStore> f32_store;
  for (const auto& v : variants) {
    FixtureResult r;
    r.kind = kind;
    r.variant = v.variant;
    r.tolerance = model_tolerance(c, v.bf16);
    c.be.clear_error();
    auto store = WeightStore::open(v.path);
    if (store.ok() && !v.bf16 && !f32_store) f32_store = *store;
    StatusOr<Tensor> got = store.ok() ? fn(**store) : StatusOr<Tensor>(store.status());
    if (!got.ok()) {
      r.rel_l2 = INFINITY;
      r.detail = got.status().to_string();
      out->push_back(std::move(r));
      continue;
    }
    compare(*got, expected, &r);
    if (v.bf16 && r.passed) {
      if (!f32_store) {
        r.detail = "no float32 weights to build the rounded reference from";
      } else {
        c.be.clear_error();
        Bf16RoundedStore rounded(f32_store);
        auto ref = fn(rounded);
        if (!ref.ok()) {
          r.passed = false;
          r.detail = "rounded reference: " + ref.status().to_string();
        } else {
          FixtureResult own;
          own.tolerance = model_tolerance(c, false);
          compare(*got, *ref, &own);
          r.passed = own.passed;
          char buf[160];
          std::snprintf(buf, sizeof buf, "vs float32 weights rounded to bf16: %.3e (tolerance %.1e)", own.rel_l2,
                        own.tolerance);
          r.detail = buf;
        }
      }
    }
    out->push_back(std::move(r));
  }
  return OkStatus();
}

}  // namespace

Status verify_dit(Context& c, std::vector<FixtureResult>* out) {
  TSR_ASSIGN_OR_RETURN(DitConfig cfg, DitConfig::from_json(c.config));
  TSR_ASSIGN_OR_RETURN(Tensor x, io_tensor(c, "x"));
  TSR_ASSIGN_OR_RETURN(Tensor context, io_tensor(c, "context"));
  TSR_ASSIGN_OR_RETURN(Tensor t, io_tensor(c, "t"));
  TSR_ASSIGN_OR_RETURN(Tensor expected, io_tensor(c, "out"));
  if (t.numel() < 1) return Error(Code::CorruptFile, "t is empty");
  const double timestep = t.data_as<float>()[0];
  return for_each_variant(c, "wan_dit", expected, out, [&](const WeightStore& ws) -> StatusOr<Tensor> {
    TSR_ASSIGN_OR_RETURN(auto dit, WanDit::load(ws, cfg, c.be));
    TSR_ASSIGN_OR_RETURN(DitTextCache text, dit->prepare_text(context));
    return dit->forward(x, timestep, text);
  });
}

Status verify_vae(Context& c, std::vector<FixtureResult>* out) {
  TSR_ASSIGN_OR_RETURN(VaeConfig cfg, VaeConfig::from_json(c.config));
  TSR_ASSIGN_OR_RETURN(Tensor mean, io_tensor(c, "mean"));
  TSR_ASSIGN_OR_RETURN(Tensor std, io_tensor(c, "std"));
  if (mean.numel() != cfg.z_dim || std.numel() != cfg.z_dim)
    return Error(Code::CorruptFile, "mean/std must have z_dim = %d values", cfg.z_dim);
  if (c.io->has("z") && c.io->has("video")) {
    TSR_ASSIGN_OR_RETURN(Tensor z, io_tensor(c, "z"));
    TSR_ASSIGN_OR_RETURN(Tensor video, io_tensor(c, "video"));
    TSR_RETURN_IF_ERROR(for_each_variant(c, "wan_vae_decode", video, out, [&](const WeightStore& ws) -> StatusOr<Tensor> {
      TSR_ASSIGN_OR_RETURN(auto vae, WanVae::load(ws, cfg, c.be));
      return vae->decode(z, mean.data_as<float>(), std.data_as<float>());
    }));
  }
  if (c.io->has("pixels") && c.io->has("latent_mu")) {
    TSR_ASSIGN_OR_RETURN(Tensor pixels, io_tensor(c, "pixels"));
    TSR_ASSIGN_OR_RETURN(Tensor mu, io_tensor(c, "latent_mu"));
    TSR_RETURN_IF_ERROR(for_each_variant(c, "wan_vae_encode", mu, out, [&](const WeightStore& ws) -> StatusOr<Tensor> {
      TSR_ASSIGN_OR_RETURN(auto vae, WanVae::load(ws, cfg, c.be));
      return vae->encode(pixels, mean.data_as<float>(), std.data_as<float>());
    }));
  }
  if (out->empty()) return Error(Code::CorruptFile, "a VAE fixture needs z/video and/or pixels/latent_mu");
  return OkStatus();
}

Status verify_umt5(Context& c, std::vector<FixtureResult>* out) {
  TSR_ASSIGN_OR_RETURN(T5Config cfg, T5Config::from_json(c.config));
  TSR_ASSIGN_OR_RETURN(Tensor ids_f, io_tensor(c, "ids"));
  TSR_ASSIGN_OR_RETURN(Tensor mask, io_tensor(c, "mask"));
  TSR_ASSIGN_OR_RETURN(Tensor expected, io_tensor(c, "out"));
  if (ids_f.numel() != mask.numel()) return Error(Code::CorruptFile, "ids and mask differ in length");
  std::vector<int32_t> ids(size_t(ids_f.numel()));
  int real_len = 0;
  for (int64_t i = 0; i < ids_f.numel(); ++i) {
    float f = ids_f.data_as<float>()[i];
    if (!(f >= 0) || f >= float(cfg.vocab) || f != std::floor(f))
      return Error(Code::CorruptFile, "ids[%lld] = %g is not a token id", static_cast<long long>(i), double(f));
    ids[i] = int32_t(f);
    real_len += mask.data_as<float>()[i] > 0.5f;
  }
  return for_each_variant(c, "umt5", expected, out, [&](const WeightStore& ws) -> StatusOr<Tensor> {
    TSR_ASSIGN_OR_RETURN(auto t5, UmT5Encoder::load(ws, cfg, c.be));
    return t5->encode(ids, real_len);
  });
}

}  // namespace tsr::fixture
