#include "models/model_fixtures.h"

#include <algorithm>
#include <filesystem>

#include "harness.h"

namespace fs = std::filesystem;

namespace tsr::test {

std::vector<GoldenFixture> golden_fixtures(const std::string& prefix) {
  std::vector<GoldenFixture> out;
  const std::string dir = golden_dir();
  if (dir.empty() || !fs::is_directory(dir)) return out;
  const std::string suffix = ".io.safetensors";
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    if (file.size() > suffix.size() && file.compare(0, prefix.size(), prefix) == 0 &&
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(file.substr(0, file.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    GoldenFixture f;
    f.name = name;
    auto io = WeightStore::open((fs::path(dir) / (name + suffix)).string());
    if (!io.ok()) {
      fail(__FILE__, __LINE__, name + ": " + io.status().to_string());
      continue;
    }
    f.io = io.value();
    auto it = f.io->metadata().find("config");
    if (it != f.io->metadata().end()) f.config = it->second;
    const std::pair<const char*, bool> variants[] = {{"safetensors", false},
                                                     {"pth", false},
                                                     {"bf16.safetensors", true},
                                                     {"bf16.pth", true}};
    for (const auto& [label, bf16] : variants) {
      fs::path p = fs::path(dir) / (name + ".weights." + label);
      if (fs::exists(p)) f.weights.push_back({label, p.string(), bf16});
    }
    out.push_back(std::move(f));
  }
  return out;
}

Tensor load_f32(const WeightStore& store, const std::string& name) {
  auto t = store.get(name);
  if (!t.ok()) return Tensor();
  return host_to_f32(t.value());
}

void AlteredStore::reshape(const std::string& key, const Shape& shape) {
  DType dtype = DType::F32;
  if (auto info = inner_->info(key); info.ok()) dtype = info->dtype;
  added_[key] = host_zeros(dtype, shape);
}

bool AlteredStore::is_dropped(const std::string& key) const {
  return std::find(dropped_.begin(), dropped_.end(), key) != dropped_.end();
}

std::vector<std::string> AlteredStore::keys() const {
  std::vector<std::string> k;
  for (const auto& key : inner_->keys())
    if (!is_dropped(key) && !added_.count(key)) k.push_back(key);
  for (const auto& [key, value] : added_) k.push_back(key);
  return k;
}

bool AlteredStore::has(const std::string& name) const {
  if (added_.count(name)) return true;
  return !is_dropped(name) && inner_->has(name);
}

StatusOr<TensorInfo> AlteredStore::info(const std::string& name) const {
  if (auto it = added_.find(name); it != added_.end())
    return TensorInfo{it->second.dtype(), it->second.shape()};
  if (is_dropped(name)) return Error(Code::MissingKey, "%s was dropped", name.c_str());
  return inner_->info(name);
}

StatusOr<Tensor> AlteredStore::get(const std::string& name) const {
  if (auto it = added_.find(name); it != added_.end()) return it->second;
  if (is_dropped(name)) return Error(Code::MissingKey, "%s was dropped", name.c_str());
  return inner_->get(name);
}

}  // namespace tsr::test
