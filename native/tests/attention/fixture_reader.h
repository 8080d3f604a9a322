// A tiny safetensors reader for the attention tests' golden fixtures (float32 tensors and
// the JSON `__metadata__` strings). Test-only: the engine's loader lives in io/.
#pragma once

#include <map>
#include <vector>
#include <string>

#include "core/status.h"
#include "core/tensor.h"

namespace tsr::test {

struct Fixture {
  std::map<std::string, Tensor> tensors;           // host float32
  std::map<std::string, std::string> metadata;     // __metadata__ strings
};

StatusOr<Fixture> read_fixture(const std::string& path);

// Files in `dir` whose name starts with `prefix` and ends with `suffix`, sorted.
std::vector<std::string> find_fixtures(const std::string& dir, const std::string& prefix,
                                       const std::string& suffix);

}  // namespace tsr::test
