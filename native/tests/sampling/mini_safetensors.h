// Test-only reader of float32 safetensors files (the golden fixtures), independent of the io
// module so the sampler tests stand alone.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace tsr::test {

struct MiniSafetensors {
  std::map<std::string, std::vector<float>> tensors;
  std::map<std::string, std::vector<int64_t>> shapes;
  std::map<std::string, std::string> metadata;
};

inline StatusOr<MiniSafetensors> read_mini_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(Code::NotFound, "cannot open %s", path.c_str());
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) return Error(Code::CorruptFile, "%s: too short", path.c_str());
  uint64_t hlen;
  std::memcpy(&hlen, bytes.data(), 8);
  if (hlen > bytes.size() - 8) return Error(Code::CorruptFile, "%s: bad header length", path.c_str());
  TSR_ASSIGN_OR_RETURN(Json header, Json::parse(std::string(bytes.data() + 8, hlen)));
  MiniSafetensors out;
  const char* data = bytes.data() + 8 + hlen;
  size_t data_len = bytes.size() - 8 - hlen;
  for (const auto& [name, v] : header.members()) {
    if (name == "__metadata__") {
      for (const auto& [k, s] : v.members()) out.metadata[k] = s.str();
      continue;
    }
    if (v.get_string("dtype", "") != "F32") return Error(Code::UnsupportedDtype, "%s", name.c_str());
    const Json* offs = v.find("data_offsets");
    if (!offs || offs->items().size() != 2) return Error(Code::CorruptFile, "%s offsets", name.c_str());
    uint64_t b = offs->items()[0].integer(), e = offs->items()[1].integer();
    if (b > e || e > data_len || (e - b) % 4) return Error(Code::CorruptFile, "%s range", name.c_str());
    std::vector<float> vals((e - b) / 4);
    std::memcpy(vals.data(), data + b, e - b);
    out.tensors[name] = std::move(vals);
    std::vector<int64_t> shape;
    if (const Json* s = v.find("shape"))
      for (const auto& d : s->items()) shape.push_back(d.integer());
    out.shapes[name] = shape;
  }
  return out;
}

}  // namespace tsr::test
