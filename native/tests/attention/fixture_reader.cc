#include "fixture_reader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/json.h"

namespace tsr::test {

StatusOr<Fixture> read_fixture(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(Code::NotFound, "cannot open %s", path.c_str());
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) return Error(Code::CorruptFile, "%s: shorter than a header", path.c_str());
  uint64_t hlen = 0;
  std::memcpy(&hlen, bytes.data(), 8);
  if (hlen > bytes.size() - 8) return Error(Code::CorruptFile, "%s: header past end of file", path.c_str());
  TSR_ASSIGN_OR_RETURN(Json header, Json::parse(std::string(bytes.data() + 8, size_t(hlen))));
  size_t base = 8 + size_t(hlen), data_len = bytes.size() - base;
  Fixture fx;
  for (const auto& [name, entry] : header.members()) {
    if (name == "__metadata__") {
      for (const auto& [key, val] : entry.members())
        if (val.is_string()) fx.metadata[key] = val.str();
      continue;
    }
    if (entry.get_string("dtype", "") != "F32")
      return Error(Code::UnsupportedDtype, "%s: %s is not F32", path.c_str(), name.c_str());
    const Json* shape = entry.find("shape");
    const Json* offs = entry.find("data_offsets");
    if (!shape || !offs || !shape->is_array() || !offs->is_array() || offs->items().size() != 2)
      return Error(Code::CorruptFile, "%s: bad entry %s", path.c_str(), name.c_str());
    Shape s;
    for (const auto& d : shape->items()) s.push_back(d.integer());
    int64_t b = offs->items()[0].integer(), e = offs->items()[1].integer();
    if (b < 0 || e < b || size_t(e) > data_len || (e - b) != shape_numel(s) * 4)
      return Error(Code::CorruptFile, "%s: bad offsets for %s", path.c_str(), name.c_str());
    Tensor t = host_empty(DType::F32, s);
    if (t.numel() > 0) std::memcpy(t.data(), bytes.data() + base + b, size_t(e - b));
    fx.tensors[name] = t;
  }
  return fx;
}

std::vector<std::string> find_fixtures(const std::string& dir, const std::string& prefix,
                                       const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() >= prefix.size() + suffix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tsr::test
