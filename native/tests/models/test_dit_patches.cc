// Patchify / unpatchify index maps against the definitions of spec/wan21.md §3.1 and §3.5,
// including temporal patches (pt > 1) that no fixture covers, and the timestep sinusoid.
#include <cmath>

#include "harness.h"
#include "models/dit_parts.h"

namespace tsr {
namespace {

TSR_TEST(models_dit, patchify_and_unpatchify_follow_the_checkpoint_orderings) {
  auto be = make_cpu_backend();
  test::Rng rng(7);
  const int patches[][3] = {{1, 2, 2}, {2, 2, 2}, {1, 1, 3}, {3, 2, 1}};
  for (const auto& patch : patches) {
    DitConfig cfg;
    cfg.in_dim = 3;
    cfg.out_dim = 3;
    for (int a = 0; a < 3; ++a) cfg.patch[a] = patch[a];
    const int grid[3] = {2, 3, 2};
    const int64_t pt = patch[0], ph = patch[1], pw = patch[2], C = cfg.in_dim;
    const int64_t F = grid[0] * pt, H = grid[1] * ph, W = grid[2] * pw;
    Tensor x = test::random_tensor(rng, {C, F, H, W});
    Tensor tokens = be->to_host(dit::patchify(*be, be->from_host(x), cfg, grid));
    REQUIRE_OK(be->status());
    const int64_t K = C * pt * ph * pw;
    REQUIRE(tokens.shape() == Shape({int64_t(grid[0]) * grid[1] * grid[2], K}));
    const float* xp = x.data_as<float>();
    const float* tp = tokens.data_as<float>();
    int64_t bad_in = 0, bad_out = 0;
    for (int64_t f = 0; f < grid[0]; ++f)
      for (int64_t h = 0; h < grid[1]; ++h)
        for (int64_t w = 0; w < grid[2]; ++w) {
          const int64_t n = (f * grid[1] + h) * grid[2] + w;  // raster token order
          for (int64_t c = 0; c < C; ++c)
            for (int64_t it = 0; it < pt; ++it)
              for (int64_t dy = 0; dy < ph; ++dy)
                for (int64_t dx = 0; dx < pw; ++dx) {
                  const float px = xp[((c * F + f * pt + it) * H + h * ph + dy) * W + w * pw + dx];
                  // Patch embedding input: channel slowest (conv weight flattening).
                  bad_in += tp[n * K + ((c * pt + it) * ph + dy) * pw + dx] != px;
                }
        }
    CHECK(bad_in == 0);

    // Head output ordering: channel fastest.
    Tensor head = test::random_tensor(rng, {int64_t(grid[0]) * grid[1] * grid[2], K});
    Tensor v = be->to_host(dit::unpatchify(*be, be->from_host(head), cfg, grid));
    REQUIRE_OK(be->status());
    REQUIRE(v.shape() == Shape({C, F, H, W}));
    const float* hp = head.data_as<float>();
    const float* vp = v.data_as<float>();
    for (int64_t f = 0; f < grid[0]; ++f)
      for (int64_t h = 0; h < grid[1]; ++h)
        for (int64_t w = 0; w < grid[2]; ++w) {
          const int64_t n = (f * grid[1] + h) * grid[2] + w;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t it = 0; it < pt; ++it)
              for (int64_t dy = 0; dy < ph; ++dy)
                for (int64_t dx = 0; dx < pw; ++dx)
                  bad_out += vp[((c * F + f * pt + it) * H + h * ph + dy) * W + w * pw + dx] !=
                             hp[n * K + ((it * ph + dy) * pw + dx) * C + c];
        }
    CHECK(bad_out == 0);
  }
}

TSR_TEST(models_dit, timestep_sinusoid_is_cos_first_in_float64) {
  const double t = 837.5;
  Tensor s = dit::sinusoid_host(256, t);
  REQUIRE(s.shape() == Shape({1, 256}));
  for (int k = 0; k < 128; ++k) {
    double omega = std::pow(10000.0, -k / 128.0);
    CHECK(s.data_as<float>()[k] == float(std::cos(t * omega)));
    CHECK(s.data_as<float>()[128 + k] == float(std::sin(t * omega)));
  }
}

}  // namespace
}  // namespace tsr
