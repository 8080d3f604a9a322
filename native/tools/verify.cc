// tessera_verify DIR|FILE [--gpu | --backend cpu|cuda] [--portable] [--threads N]
//
// Runs every golden fixture (*.io.safetensors) in DIR through the C API on the chosen backend
// and prints one line per result: kind, name, variant, relative L2, tolerance, PASS/FAIL; then
// "N passed, N failed". Exit status 1 on any failure or error. Needs only CMake to build (the
// GPU machines have no Node).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera.h"

namespace fs = std::filesystem;

static int usage() {
  std::fprintf(stderr, "usage: tessera_verify DIR|FILE.io.safetensors [--gpu | --backend cpu|cuda] [--portable] [--threads N]\n");
  return 2;
}

int main(int argc, char** argv) {
  std::string target;
  tsr_engine_options opts{};
  opts.struct_size = sizeof opts;
  opts.backend = TSR_BACKEND_CPU;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--gpu") {
      opts.backend = TSR_BACKEND_CUDA;
    } else if (a == "--backend" && i + 1 < argc) {
      std::string b = argv[++i];
      if (b == "cpu") opts.backend = TSR_BACKEND_CPU;
      else if (b == "cuda" || b == "gpu") opts.backend = TSR_BACKEND_CUDA;
      else return usage();
    } else if (a == "--portable") {
      opts.cuda_path = TSR_CUDA_PATH_PORTABLE;
    } else if (a == "--threads" && i + 1 < argc) {
      opts.num_threads = std::atoi(argv[++i]);
    } else if (!a.empty() && a[0] == '-') {
      return usage();
    } else if (target.empty()) {
      target = a;
    } else {
      return usage();
    }
  }
  if (target.empty()) return usage();

  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(target, ec)) {
    for (const auto& e : fs::directory_iterator(target, ec)) {
      std::string n = e.path().filename().string();
      const std::string suf = ".io.safetensors";
      if (n.size() > suf.size() && n.compare(n.size() - suf.size(), suf.size(), suf) == 0) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(target, ec)) {
    files.push_back(target);
  } else {
    std::fprintf(stderr, "tessera_verify: %s is neither a folder nor a file\n", target.c_str());
    return 1;
  }
  if (files.empty()) {
    std::fprintf(stderr, "tessera_verify: no *.io.safetensors fixtures in %s\n", target.c_str());
    return 1;
  }

  tsr_error err{};
  tsr_engine* engine = nullptr;
  if (tsr_engine_create(&opts, &engine, &err) != TSR_OK) {
    std::fprintf(stderr, "tessera_verify: cannot create the engine: %s: %s\n", tsr_code_name(err.code), err.message);
    return 1;
  }
  tsr_engine_info info{};
  tsr_engine_get_info(engine, &info, &err);
  std::printf("backend %s (%s)%s%s\n", info.backend, info.device_name, info.fallback_reason[0] ? ", fell back: " : "",
              info.fallback_reason);
  if (opts.backend == TSR_BACKEND_CUDA && std::strcmp(info.backend, "cuda") != 0) {
    std::fprintf(stderr, "tessera_verify: --gpu asked for but the CUDA backend is not available: %s\n", info.fallback_reason);
    tsr_engine_destroy(engine);
    return 1;
  }

  int passed = 0, failed = 0;
  tsr_fixture_result results[32];
  for (const std::string& f : files) {
    int n = 0;
    if (tsr_verify_fixture(engine, f.c_str(), results, 32, &n, &err) != TSR_OK) {
      std::printf("%-16s %-20s %-18s %12s %10s  ERROR  %s: %s\n", "?", fs::path(f).filename().string().c_str(), "-", "-",
                  "-", tsr_code_name(err.code), err.message);
      ++failed;
      continue;
    }
    for (int i = 0; i < n; ++i) {
      const tsr_fixture_result& r = results[i];
      std::printf("%-16s %-20s %-18s %12.3e %10.1e  %s%s%s\n", r.kind, r.name, r.variant, r.rel_l2, r.tolerance,
                  r.passed ? "PASS" : "FAIL", r.detail[0] ? "  " : "", r.detail);
      (r.passed ? passed : failed) += 1;
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  tsr_engine_destroy(engine);
  return failed ? 1 : 0;
}
