// Several checkpoint files presented as one store: Hugging Face shard sets described by a
// `*.safetensors.index.json` (weight_map: key -> shard file), or files listed by hand.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/weights.h"

namespace tsr {

// Opens the shards an index names (relative to the index's folder). A missing shard is
// NotFound; a key the index assigns to a shard that lacks it, or a shard key the index does
// not assign to that shard, is CorruptFile.
StatusOr<std::shared_ptr<WeightStore>> open_sharded_index(const std::string& index_path);

// Joins opened stores; a key held by two of them is CorruptFile. `names` label the parts in
// messages (file paths). Metadata is the union, the first part winning on conflicts.
StatusOr<std::shared_ptr<WeightStore>> join_stores(std::vector<std::shared_ptr<WeightStore>> parts,
                                                   std::vector<std::string> names);

}  // namespace tsr
