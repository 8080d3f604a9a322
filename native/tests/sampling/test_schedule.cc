// Sigma / timestep grids (spec/wan21.md §7.2).
#include <cmath>
#include <vector>

#include "harness.h"
#include "sampling/schedule.h"

using namespace tsr;

static std::vector<int> ints(const std::vector<double>& v) {
  std::vector<int> r;
  for (double d : v) r.push_back(int(d));
  return r;
}

TSR_TEST(schedule, wan_50_steps_shift_5) {
  auto s = wan_flow_schedule(50, 5.0);
  REQUIRE_OK(s.status());
  const std::vector<int> expected = {
      999, 995, 991, 987, 982, 978, 973, 968, 963, 957, 952, 946, 940, 934, 927, 920, 913,
      906, 898, 890, 882, 873, 863, 854, 843, 833, 821, 809, 796, 783, 768, 753, 737, 720,
      701, 681, 660, 636, 611, 584, 555, 522, 487, 448, 405, 356, 302, 241, 172, 92};
  CHECK(ints(s->timesteps) == expected);
  REQUIRE(s->sigmas.size() == 51);
  CHECK(s->sigmas[0] == 0.99979985f);
  CHECK_NEAR(s->sigmas[49], 0.09250686, 5e-9);  // printed to 8 digits in the spec
  CHECK(s->sigmas[50] == 0.0f);
  // Timesteps are integers handed to the model as is.
  for (double t : s->timesteps) CHECK(t == std::floor(t));
}

TSR_TEST(schedule, wan_8_steps_shift_3_truncates) {
  auto s = wan_flow_schedule(8, 3.0);
  REQUIRE_OK(s.status());
  CHECK((ints(s->timesteps) == std::vector<int>{999, 954, 899, 832, 749, 642, 499, 299}));
  // Rounding instead of truncation would give 750 and 643 here.
  CHECK(std::fabs(s->sigmas[4] * 1000.0 - 749.0) < 1.0);
}

TSR_TEST(schedule, wan_shift_3_and_8_ends) {
  auto s3 = wan_flow_schedule(50, 3.0);
  REQUIRE_OK(s3.status());
  auto t3 = ints(s3->timesteps);
  CHECK((std::vector<int>(t3.begin(), t3.begin() + 6) == std::vector<int>{999, 992, 985, 978, 971, 963}));
  CHECK((std::vector<int>(t3.end() - 4, t3.end()) == std::vector<int>{206, 160, 111, 57}));
  auto s8 = wan_flow_schedule(50, 8.0);
  REQUIRE_OK(s8.status());
  auto t8 = ints(s8->timesteps);
  CHECK((std::vector<int>(t8.begin(), t8.begin() + 3) == std::vector<int>{999, 997, 994}));
  CHECK((std::vector<int>(t8.end() - 4, t8.end()) == std::vector<int>{409, 337, 249, 140}));
}

TSR_TEST(schedule, wan_single_step_and_shift_1) {
  auto s = wan_flow_schedule(1, 1.0);
  REQUIRE_OK(s.status());
  CHECK(s->steps() == 1);
  CHECK(s->timesteps[0] == 999.0);
  CHECK(s->sigmas[0] == 0.999f);
  CHECK(s->sigmas[1] == 0.0f);
  // Sigmas decrease strictly for any shift.
  for (double shift : {0.5, 1.0, 3.0, 17.0}) {
    auto g = wan_flow_schedule(30, shift);
    REQUIRE_OK(g.status());
    for (int i = 0; i < 30; ++i) CHECK(g->sigmas[i] > g->sigmas[i + 1]);
  }
}

TSR_TEST(schedule, wan_rejects_bad_arguments) {
  CHECK_CODE(wan_flow_schedule(0, 5.0).status(), Code::InvalidArgument);
  CHECK_CODE(wan_flow_schedule(-3, 5.0).status(), Code::InvalidArgument);
  CHECK_CODE(wan_flow_schedule(kMaxSteps + 1, 5.0).status(), Code::InvalidArgument);
  CHECK_CODE(wan_flow_schedule(10, 0.0).status(), Code::InvalidArgument);
  CHECK_CODE(wan_flow_schedule(10, NAN).status(), Code::InvalidArgument);
}

TSR_TEST(schedule, fewstep_fastwan) {
  auto s = fewstep_schedule({1000, 757, 522}, 1.0);
  REQUIRE_OK(s.status());
  CHECK(s->steps() == 3);
  CHECK(s->sigmas[0] == 1.0f);
  CHECK(s->sigmas[1] == 0.757f);
  CHECK(s->sigmas[2] == 0.522f);
  CHECK(s->sigmas[3] == 0.0f);
  CHECK_NEAR(s->timesteps[1], 757.0, 1e-9);
  // With shift s the sigmas are the shifted tau (the warped 1000-step table): 4-step recipe
  // 1000/750/500/250 with shift 5 gives 1, 0.9375, 0.8333, 0.625.
  auto w = fewstep_schedule({1000, 750, 500, 250}, 5.0);
  REQUIRE_OK(w.status());
  CHECK_NEAR(w->sigmas[0], 1.0, 1e-7);
  CHECK_NEAR(w->sigmas[1], 0.9375, 1e-7);
  CHECK_NEAR(w->sigmas[2], 2.5 / 3.0, 1e-7);
  CHECK_NEAR(w->sigmas[3], 0.625, 1e-7);
  CHECK_NEAR(w->timesteps[3], 625.0, 1e-9);
}

TSR_TEST(schedule, fewstep_rejects_bad_lists) {
  CHECK_CODE(fewstep_schedule({}, 1.0).status(), Code::InvalidArgument);
  CHECK_CODE(fewstep_schedule({1000, 1000}, 1.0).status(), Code::InvalidArgument);
  CHECK_CODE(fewstep_schedule({500, 757}, 1.0).status(), Code::InvalidArgument);
  CHECK_CODE(fewstep_schedule({1001}, 1.0).status(), Code::InvalidArgument);
  CHECK_CODE(fewstep_schedule({0}, 1.0).status(), Code::InvalidArgument);
  CHECK_CODE(fewstep_schedule({900}, -1.0).status(), Code::InvalidArgument);
  CHECK_CODE(fewstep_schedule(std::vector<int>(kMaxFewStepTimesteps + 1, 5), 1.0).status(),
             Code::InvalidArgument);
}
