// Runner for the C++ test suite: `tessera_tests [filter...]` runs tests whose
// "suite.name" contains any filter; `--list` prints them. Exit status 1 on any failure.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "core/threadpool.h"
#include "harness.h"

namespace fs = std::filesystem;

namespace tsr::test {

std::vector<TestCase>& registry() {
  static std::vector<TestCase> r;
  return r;
}

static int g_failures_in_test = 0;

void fail(const char* file, int line, const std::string& what) {
  ++g_failures_in_test;
  std::cerr << "    " << fs::path(file).filename().string() << ":" << line << ": " << what << "\n";
}

std::string golden_dir() {
  if (const char* env = std::getenv("TESSERA_GOLDEN"); env && *env) return env;
#ifdef TSR_SOURCE_DIR
  fs::path p = fs::path(TSR_SOURCE_DIR) / ".." / ".." / "shared" / "golden";
  if (fs::exists(p)) return fs::weakly_canonical(p).string();
#endif
  return "";
}

static std::vector<fs::path>& temp_dirs() {
  static std::vector<fs::path> dirs;
  return dirs;
}

std::string temp_dir() {
  static int counter = 0;
  fs::path p = fs::temp_directory_path() /
               ("tessera-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(p);
  temp_dirs().push_back(p);
  return p.string();
}

Tensor random_tensor(Rng& rng, const Shape& shape, float scale) {
  Tensor t = host_empty(DType::F32, shape);
  float* p = t.data_as<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.normal() * scale;
  return t;
}

}  // namespace tsr::test

int main(int argc, char** argv) {
  using namespace tsr::test;
  std::vector<std::string> filters;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--list") == 0) list = true;
    else filters.emplace_back(argv[i]);
  }
  int passed = 0, failed = 0;
  std::vector<std::string> failed_names;
  for (auto& tc : registry()) {
    std::string full = tc.suite + "." + tc.name;
    if (!filters.empty()) {
      bool match = false;
      for (auto& f : filters) match |= full.find(f) != std::string::npos;
      if (!match) continue;
    }
    if (list) { std::cout << full << "\n"; continue; }
    g_failures_in_test = 0;
    auto t0 = std::chrono::steady_clock::now();
    try {
      tc.fn();
    } catch (const RequireFailed&) {
    } catch (const std::exception& e) {
      fail(__FILE__, __LINE__, std::string("exception: ") + e.what());
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (g_failures_in_test == 0) {
      ++passed;
      std::cout << "[ PASS ] " << full << " (" << int(ms) << " ms)\n";
    } else {
      ++failed;
      failed_names.push_back(full);
      std::cout << "[ FAIL ] " << full << " (" << int(ms) << " ms)\n";
    }
    std::cout.flush();
  }
  for (auto& d : temp_dirs()) {
    std::error_code ec;
    fs::remove_all(d, ec);
  }
  if (list) return 0;
  std::cout << passed << " passed, " << failed << " failed\n";
  for (auto& n : failed_names) std::cout << "  failed: " << n << "\n";
  return failed ? 1 : 0;
}
