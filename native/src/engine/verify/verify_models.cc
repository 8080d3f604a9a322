// Model fixtures: DiT forward, VAE decode/encode, umT5 encoder, for every weight variant.
#include <cmath>

#include "engine/verify/fixture.h"
#include "models/dit.h"
#include "models/t5.h"
#include "models/vae.h"

namespace tsr::fixture {

namespace {

// Runs fn(store) -> output for each weight variant; load or run errors become failed results.
template <class Fn>
Status for_each_variant(Context& c, const char* kind, const Tensor& expected, std::vector<FixtureResult>* out,
                        Fn&& fn) {
  auto variants = weight_variants(c);
  if (variants.empty())
    return Error(Code::NotFound, "no weights beside the fixture (%s.weights.safetensors or .pth)", c.name.c_str());
  for (const auto& v : variants) {
    FixtureResult r;
    r.kind = kind;
    r.variant = v.variant;
    r.tolerance = model_tolerance(c, v.bf16);
    c.be.clear_error();
    auto store = WeightStore::open(v.path);
    StatusOr<Tensor> got = store.ok() ? fn(**store) : StatusOr<Tensor>(store.status());
    if (!got.ok()) {
      r.rel_l2 = INFINITY;
      r.detail = got.status().to_string();
    } else {
      compare(*got, expected, &r);
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
