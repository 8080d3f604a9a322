#include "engine/verify/fixture.h"

#include <cmath>
#include <filesystem>

namespace tsr {

namespace fs = std::filesystem;

namespace fixture {

std::vector<WeightVariant> weight_variants(const Context& c) {
  std::vector<WeightVariant> out;
  const struct { const char* suffix; const char* variant; bool bf16; } kinds[] = {
      {".weights.safetensors", "safetensors", false},
      {".weights.pth", "pth", false},
      {".weights.bf16.safetensors", "bf16.safetensors", true},
      {".weights.bf16.pth", "bf16.pth", true},
  };
  for (const auto& k : kinds) {
    fs::path p = fs::path(c.dir) / (c.name + k.suffix);
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) out.push_back({k.variant, p.string(), k.bf16});
  }
  return out;
}

StatusOr<Tensor> io_tensor(const Context& c, const std::string& key) {
  if (!c.io->has(key)) return Error(Code::CorruptFile, "%s: the fixture has no tensor \"%s\"", c.name.c_str(), key.c_str());
  TSR_ASSIGN_OR_RETURN(Tensor t, c.io->get(key));
  Tensor f = host_to_f32(t);
  if (!f.data() && t.numel() > 0) return Error(Code::OutOfMemory, "cannot convert %s", key.c_str());
  return f;
}

void compare(const Tensor& out, const Tensor& expected, FixtureResult* r) {
  if (out.shape() != expected.shape()) {
    r->rel_l2 = INFINITY;
    r->passed = false;
    r->detail = "output shape " + shape_str(out.shape()) + " != expected " + shape_str(expected.shape());
    return;
  }
  const float* p = out.data_as<float>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    if (!std::isfinite(p[i])) {
      r->rel_l2 = INFINITY;
      r->passed = false;
      r->detail = "output has NaN/Inf at index " + std::to_string(i);
      return;
    }
  }
  r->rel_l2 = rel_l2(out, expected);
  r->passed = r->rel_l2 <= r->tolerance;
}

double model_tolerance(const Context& c, bool bf16_weights) {
  if (c.gpu) return bf16_weights ? Tolerances::kGpuBf16Weights : Tolerances::kGpu;
  return bf16_weights ? Tolerances::kModelBf16Weights : Tolerances::kModelF32;
}

}  // namespace fixture

StatusOr<std::vector<FixtureResult>> verify_fixture(Backend& be, const std::string& io_path) {
  const std::string suffix = ".io.safetensors";
  fs::path p(io_path);
  std::string file = p.filename().string();
  if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
    return Error(Code::InvalidArgument, "%s: a fixture's file name ends in %s", io_path.c_str(), suffix.c_str());
  TSR_ASSIGN_OR_RETURN(auto io, WeightStore::open(io_path));
  fixture::Context c{be, file.substr(0, file.size() - suffix.size()), p.parent_path().string(), io, "",
                     be.device() != DeviceKind::Cpu};
  auto md = io->metadata().find("config");
  if (md != io->metadata().end()) c.config = md->second;

  std::vector<FixtureResult> out;
  auto starts = [&](const char* prefix) { return c.name.rfind(prefix, 0) == 0; };
  Status st;
  if (starts("wan_dit_")) st = fixture::verify_dit(c, &out);
  else if (starts("wan_vae_")) st = fixture::verify_vae(c, &out);
  else if (starts("umt5_")) st = fixture::verify_umt5(c, &out);
  else if (starts("flow_unipc_")) st = fixture::verify_flow_unipc(c, &out);
  else if (starts("sta_attn_")) st = fixture::verify_sta_attn(c, &out);
  else
    return Error(Code::Unsupported,
                 "%s: unknown fixture kind (name prefixes: wan_dit_, wan_vae_, umt5_, flow_unipc_, sta_attn_)",
                 c.name.c_str());
  if (!st.ok()) return st.with_context(c.name);
  for (auto& r : out) r.name = c.name;
  return out;
}

}  // namespace tsr
