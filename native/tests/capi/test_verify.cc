// tsr_verify_fixture over the golden fixtures, and fixtures that must fail or error.
#include <cstring>
#include <filesystem>
#include <map>

#include "harness.h"
#include "io/safetensors_writer.h"
#include "io/weights.h"
#include "tessera.h"

using namespace tsr;
namespace fs = std::filesystem;

namespace {

tsr_engine* cpu_engine() {
  tsr_engine_options o{};
  o.struct_size = sizeof o;
  o.backend = TSR_BACKEND_CPU;
  tsr_engine* e = nullptr;
  tsr_error err{};
  if (tsr_engine_create(&o, &e, &err) != TSR_OK) test::fail(__FILE__, __LINE__, err.message);
  return e;
}

// Copies a fixture's io file with one tensor scaled, under a new name.
void write_altered(const std::string& src, const std::string& dst, const std::string& key, float scale) {
  auto ws = WeightStore::open(src);
  REQUIRE_OK(ws.status());
  std::map<std::string, Tensor> tensors;
  for (const auto& k : (*ws)->keys()) {
    auto got = (*ws)->get(k);
    REQUIRE_OK(got.status());
    Tensor t = host_to_f32(got.value());
    if (k == key)
      for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] *= scale;
    tensors[k] = t;
  }
  REQUIRE_OK(write_safetensors(dst, tensors, (*ws)->metadata()));
}

}  // namespace

TSR_TEST(verify, every_golden_fixture_passes) {
  const std::string dir = test::golden_dir();
  REQUIRE(!dir.empty());
  tsr_engine* e = cpu_engine();
  int fixtures = 0, results = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.find(".io.safetensors") == std::string::npos) continue;
    ++fixtures;
    tsr_fixture_result r[16];
    int n = 0;
    tsr_error err{};
    tsr_code c = tsr_verify_fixture(e, entry.path().c_str(), r, 16, &n, &err);
    CHECK(c == TSR_OK);
    if (c != TSR_OK) std::printf("    %s: %s\n", name.c_str(), err.message);
    CHECK(n >= 1);
    for (int i = 0; i < n; ++i) {
      ++results;
      if (!r[i].passed) std::printf("    FAIL %s %s %s %.3g: %s\n", r[i].kind, r[i].name, r[i].variant, r[i].rel_l2, r[i].detail);
      CHECK(r[i].passed == 1);
      CHECK(r[i].rel_l2 <= r[i].tolerance);
      CHECK(std::strlen(r[i].kind) > 0 && std::strlen(r[i].variant) > 0);
    }
  }
  CHECK(fixtures >= 9);
  CHECK(results >= 16);
  // Without a buffer the call counts the results (VAE: decode and encode for 2 variants).
  int n = 0;
  tsr_error err{};
  REQUIRE(tsr_verify_fixture(e, (dir + "/wan_vae_tiny.io.safetensors").c_str(), nullptr, 0, &n, &err) == TSR_OK);
  CHECK(n == 4);
  tsr_fixture_result one[1];
  REQUIRE(tsr_verify_fixture(e, (dir + "/wan_vae_tiny.io.safetensors").c_str(), one, 1, &n, &err) == TSR_OK);
  CHECK(n == 1);
  tsr_engine_destroy(e);
}

TSR_TEST(verify, wrong_outputs_fail_and_bad_fixtures_error) {
  const std::string g = test::golden_dir();
  REQUIRE(!g.empty());
  const std::string tmp = test::temp_dir();
  tsr_engine* e = cpu_engine();
  tsr_fixture_result r[8];
  int n = 0;
  tsr_error err{};
  // A sampler fixture whose expected output is off by 1e-4 relative fails.
  write_altered(g + "/flow_unipc_8.io.safetensors", tmp + "/flow_unipc_off.io.safetensors", "x_final", 1.0001f);
  REQUIRE(tsr_verify_fixture(e, (tmp + "/flow_unipc_off.io.safetensors").c_str(), r, 8, &n, &err) == TSR_OK);
  REQUIRE(n == 1);
  CHECK(r[0].passed == 0);
  CHECK(r[0].rel_l2 > 5e-5);
  // An attention fixture with a perturbed output fails too.
  write_altered(g + "/sta_attn_b.io.safetensors", tmp + "/sta_attn_off.io.safetensors", "out", 1.001f);
  REQUIRE(tsr_verify_fixture(e, (tmp + "/sta_attn_off.io.safetensors").c_str(), r, 8, &n, &err) == TSR_OK);
  CHECK(n == 1 && r[0].passed == 0);
  // A DiT fixture copied without its weights: NOT_FOUND.
  fs::copy_file(g + "/wan_dit_tiny.io.safetensors", tmp + "/wan_dit_lonely.io.safetensors");
  CHECK(tsr_verify_fixture(e, (tmp + "/wan_dit_lonely.io.safetensors").c_str(), r, 8, &n, &err) == TSR_E_NOT_FOUND);
  // DiT weights that do not fit the config: a failed result naming the problem, not an error.
  fs::copy_file(g + "/wan_dit_tiny_b.weights.safetensors", tmp + "/wan_dit_lonely.weights.safetensors");
  REQUIRE(tsr_verify_fixture(e, (tmp + "/wan_dit_lonely.io.safetensors").c_str(), r, 8, &n, &err) == TSR_OK);
  REQUIRE(n == 1);
  CHECK(r[0].passed == 0);
  CHECK(std::strstr(r[0].detail, "SHAPE_MISMATCH") != nullptr);
  // Unknown prefix, missing file, truncated file, bad arguments.
  fs::copy_file(g + "/flow_unipc_8.io.safetensors", tmp + "/mystery_1.io.safetensors");
  CHECK(tsr_verify_fixture(e, (tmp + "/mystery_1.io.safetensors").c_str(), r, 8, &n, &err) == TSR_E_UNSUPPORTED);
  CHECK(tsr_verify_fixture(e, (tmp + "/flow_unipc_none.io.safetensors").c_str(), r, 8, &n, &err) == TSR_E_NOT_FOUND);
  fs::copy_file(g + "/flow_unipc_8.io.safetensors", tmp + "/flow_unipc_cut.io.safetensors");
  fs::resize_file(tmp + "/flow_unipc_cut.io.safetensors", 300);
  CHECK(tsr_verify_fixture(e, (tmp + "/flow_unipc_cut.io.safetensors").c_str(), r, 8, &n, &err) == TSR_E_CORRUPT_FILE);
  CHECK(tsr_verify_fixture(e, nullptr, r, 8, &n, &err) == TSR_E_INVALID_ARGUMENT);
  CHECK(tsr_verify_fixture(e, (g + "/flow_unipc_8.io.safetensors").c_str(), nullptr, 8, &n, &err) ==
        TSR_E_INVALID_ARGUMENT);
  CHECK(tsr_verify_fixture(e, (g + "/flow_unipc_8.weights.safetensors").c_str(), r, 8, &n, &err) ==
        TSR_E_INVALID_ARGUMENT);
  tsr_engine_destroy(e);
}
