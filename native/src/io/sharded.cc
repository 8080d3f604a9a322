#include "io/sharded.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/json.h"
#include "io/safetensors.h"

namespace tsr {

namespace fs = std::filesystem;

namespace {

class JoinedStore final : public WeightStore {
 public:
  JoinedStore(std::vector<std::shared_ptr<WeightStore>> parts, std::map<std::string, size_t> where,
              std::map<std::string, std::string> metadata)
      : parts_(std::move(parts)), where_(std::move(where)), metadata_(std::move(metadata)) {}

  std::vector<std::string> keys() const override {
    std::vector<std::string> out;
    out.reserve(where_.size());
    for (const auto& kv : where_) out.push_back(kv.first);
    return out;
  }
  bool has(const std::string& name) const override { return where_.count(name) != 0; }
  StatusOr<TensorInfo> info(const std::string& name) const override {
    auto it = where_.find(name);
    if (it == where_.end()) return Error(Code::MissingKey, "no tensor '%s' in any shard", name.c_str());
    return parts_[it->second]->info(name);
  }
  StatusOr<Tensor> get(const std::string& name) const override {
    auto it = where_.find(name);
    if (it == where_.end()) return Error(Code::MissingKey, "no tensor '%s' in any shard", name.c_str());
    return parts_[it->second]->get(name);
  }
  const std::map<std::string, std::string>& metadata() const override { return metadata_; }

 private:
  std::vector<std::shared_ptr<WeightStore>> parts_;
  std::map<std::string, size_t> where_;
  std::map<std::string, std::string> metadata_;
};

StatusOr<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Error(Code::NotFound, "file not found: %s", path.c_str());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Code::Io, "cannot open %s", path.c_str());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error(Code::Io, "cannot read %s", path.c_str());
  return ss.str();
}

}  // namespace

StatusOr<std::shared_ptr<WeightStore>> join_stores(std::vector<std::shared_ptr<WeightStore>> parts,
                                                   std::vector<std::string> names) {
  std::map<std::string, size_t> where;
  std::map<std::string, std::string> metadata;
  for (size_t i = 0; i < parts.size(); ++i) {
    for (const std::string& k : parts[i]->keys()) {
      auto [it, fresh] = where.emplace(k, i);
      if (!fresh)
        return Error(Code::CorruptFile, "tensor '%s' is in both %s and %s", k.c_str(),
                     names[it->second].c_str(), names[i].c_str());
    }
    for (const auto& kv : parts[i]->metadata()) metadata.emplace(kv.first, kv.second);
  }
  return std::shared_ptr<WeightStore>(std::make_shared<JoinedStore>(std::move(parts), std::move(where),
                                                                    std::move(metadata)));
}

StatusOr<std::shared_ptr<WeightStore>> open_sharded_index(const std::string& index_path) {
  const char* ip = index_path.c_str();
  TSR_ASSIGN_OR_RETURN(std::string text, read_text_file(index_path));
  auto json = Json::parse(text);
  if (!json.ok()) return json.status().with_context(index_path);
  const Json* map = json->find("weight_map");
  if (!map || !map->is_object())
    return Error(Code::CorruptFile, "%s: no \"weight_map\" object (expected a safetensors shard index)", ip);

  // Shard file -> keys the index assigns to it, in first-seen order of shards.
  std::vector<std::string> shard_order;
  std::map<std::string, std::set<std::string>> expected;
  for (const auto& [key, file] : map->members()) {
    if (!file.is_string() || file.str().empty())
      return Error(Code::CorruptFile, "%s: weight_map entry '%s' is not a file name", ip, key.c_str());
    fs::path rel(file.str());
    if (rel.is_absolute() || rel.filename() != rel)
      return Error(Code::CorruptFile, "%s: shard '%s' must be a file name beside the index", ip, file.str().c_str());
    auto& keys = expected[file.str()];
    if (keys.empty()) shard_order.push_back(file.str());
    if (!keys.insert(key).second)
      return Error(Code::CorruptFile, "%s: key '%s' is listed twice", ip, key.c_str());
  }
  if (shard_order.empty()) return Error(Code::CorruptFile, "%s: weight_map is empty", ip);

  fs::path dir = fs::path(index_path).parent_path();
  std::vector<std::shared_ptr<WeightStore>> parts;
  std::vector<std::string> names;
  for (const std::string& shard : shard_order) {
    std::string path = (dir / shard).string();
    auto store = SafetensorsStore::open(path);
    if (!store.ok()) {
      if (store.status().code() == Code::NotFound)
        return Error(Code::NotFound, "shard %s listed in %s is missing", path.c_str(), ip);
      return store.status();
    }
    const auto& want = expected[shard];
    std::vector<std::string> have = (*store)->keys();
    std::set<std::string> have_set(have.begin(), have.end());
    for (const std::string& k : want)
      if (!have_set.count(k))
        return Error(Code::CorruptFile, "%s assigns '%s' to %s, which does not contain it", ip, k.c_str(),
                     shard.c_str());
    for (const std::string& k : have)
      if (!want.count(k))
        return Error(Code::CorruptFile, "%s holds '%s', which %s does not assign to it", path.c_str(), k.c_str(), ip);
    parts.push_back(std::move(store).value());
    names.push_back(path);
  }
  return join_stores(std::move(parts), std::move(names));
}

}  // namespace tsr
