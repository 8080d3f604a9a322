// tsr_verify_fixture: golden fixtures on the engine's backend.
#include <algorithm>

#include "capi/capi_internal.h"
#include "engine/verify/fixture.h"

using namespace tsr;
using namespace tsr::capi;

extern "C" {

TSR_API tsr_code tsr_verify_fixture(tsr_engine* engine, const char* io_path, tsr_fixture_result* results, int capacity,
                                    int* count, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!engine) return null_arg("engine");
    if (!io_path) return null_arg("io_path");
    if (!count) return null_arg("count");
    if (capacity < 0) return Error(Code::InvalidArgument, "capacity must be >= 0");
    if (capacity > 0 && !results) return Error(Code::InvalidArgument, "results is NULL but capacity is %d", capacity);
    *count = 0;
    std::lock_guard<std::mutex> lock(engine->core->run_mu);
    Backend& be = *engine->core->created.backend;
    be.clear_error();
    TSR_ASSIGN_OR_RETURN(auto rs, verify_fixture(be, io_path));
    be.clear_error();
    // With no buffer the call reports how many results the fixture has.
    if (!results) {
      *count = int(rs.size());
      return OkStatus();
    }
    const int n = std::min<int>(capacity, int(rs.size()));
    for (int i = 0; i < n; ++i) {
      tsr_fixture_result& d = results[i];
      std::memset(&d, 0, sizeof d);
      copy_str(d.name, rs[i].name);
      copy_str(d.kind, rs[i].kind);
      copy_str(d.variant, rs[i].variant);
      copy_str(d.detail, rs[i].detail);
      d.rel_l2 = rs[i].rel_l2;
      d.tolerance = rs[i].tolerance;
      d.passed = rs[i].passed ? 1 : 0;
    }
    *count = n;
    return OkStatus();
  });
}

}  // extern "C"
