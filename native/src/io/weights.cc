// WeightStore::open (format by file name), open_many and renamed_store.
#include "io/weights.h"

#include <cstdio>
#include <filesystem>
#include <set>

#include "io/pth.h"
#include "io/safetensors.h"
#include "io/sharded.h"

namespace tsr {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::char_traits<char>::length(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// First bytes of a file, for formats not told apart by the name.
std::string sniff(const std::string& path) {
  char buf[4] = {0, 0, 0, 0};
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    size_t got = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    return std::string(buf, got);
  }
  return "";
}

class RenamedStore final : public WeightStore {
 public:
  RenamedStore(std::shared_ptr<WeightStore> inner, std::map<std::string, std::string> official_to_stored,
               const std::vector<std::string>& hidden)
      : inner_(std::move(inner)) {
    std::set<std::string> hide(hidden.begin(), hidden.end());
    std::set<std::string> targeted;
    for (auto& [official, stored] : official_to_stored) {
      if (!inner_->has(stored) || hide.count(stored)) continue;
      to_stored_[official] = stored;
      targeted.insert(stored);
    }
    // Stored keys no official name maps to stay visible under their own name (so a binder
    // reports them as unexpected); if that name is taken, under a marked one.
    for (const std::string& k : inner_->keys()) {
      if (targeted.count(k) || hide.count(k)) continue;
      std::string name = to_stored_.count(k) ? "(unmapped) " + k : k;
      to_stored_[name] = k;
    }
  }

  std::vector<std::string> keys() const override {
    std::vector<std::string> out;
    out.reserve(to_stored_.size());
    for (const auto& kv : to_stored_) out.push_back(kv.first);
    return out;
  }
  bool has(const std::string& name) const override { return to_stored_.count(name) != 0; }
  StatusOr<TensorInfo> info(const std::string& name) const override {
    auto it = to_stored_.find(name);
    if (it == to_stored_.end()) return Error(Code::MissingKey, "no tensor '%s'", name.c_str());
    return inner_->info(it->second);
  }
  StatusOr<Tensor> get(const std::string& name) const override {
    auto it = to_stored_.find(name);
    if (it == to_stored_.end()) return Error(Code::MissingKey, "no tensor '%s'", name.c_str());
    return inner_->get(it->second);
  }
  const std::map<std::string, std::string>& metadata() const override { return inner_->metadata(); }

 private:
  std::shared_ptr<WeightStore> inner_;
  std::map<std::string, std::string> to_stored_;  // presented name -> stored name
};

}  // namespace

StatusOr<std::shared_ptr<WeightStore>> WeightStore::open(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Error(Code::NotFound, "checkpoint not found: %s", path.c_str());
  if (ends_with(path, ".safetensors.index.json") || ends_with(path, ".index.json")) return open_sharded_index(path);
  if (ends_with(path, ".safetensors")) {
    TSR_ASSIGN_OR_RETURN(auto s, SafetensorsStore::open(path));
    return std::shared_ptr<WeightStore>(std::move(s));
  }
  bool torch_name = ends_with(path, ".pth") || ends_with(path, ".pt") || ends_with(path, ".bin") ||
                    ends_with(path, ".ckpt");
  if (torch_name || sniff(path).rfind("PK\x03\x04", 0) == 0) {
    TSR_ASSIGN_OR_RETURN(auto s, PthStore::open(path));
    return std::shared_ptr<WeightStore>(std::move(s));
  }
  // No telling extension: safetensors has no magic number, so let its validation decide.
  TSR_ASSIGN_OR_RETURN(auto s, SafetensorsStore::open(path));
  return std::shared_ptr<WeightStore>(std::move(s));
}

StatusOr<std::shared_ptr<WeightStore>> WeightStore::open_many(const std::vector<std::string>& paths) {
  if (paths.empty()) return Error(Code::InvalidArgument, "open_many: no checkpoint files given");
  if (paths.size() == 1) return open(paths[0]);
  std::vector<std::shared_ptr<WeightStore>> parts;
  for (const std::string& p : paths) {
    TSR_ASSIGN_OR_RETURN(auto s, open(p));
    parts.push_back(std::move(s));
  }
  return join_stores(std::move(parts), paths);
}

std::shared_ptr<WeightStore> renamed_store(std::shared_ptr<WeightStore> inner,
                                           std::map<std::string, std::string> official_to_stored) {
  return renamed_store(std::move(inner), std::move(official_to_stored), {});
}

std::shared_ptr<WeightStore> renamed_store(std::shared_ptr<WeightStore> inner,
                                           std::map<std::string, std::string> official_to_stored,
                                           const std::vector<std::string>& hidden) {
  return std::make_shared<RenamedStore>(std::move(inner), std::move(official_to_stored), hidden);
}

}  // namespace tsr
