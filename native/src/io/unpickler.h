// A restricted unpickler for the `data.pkl` of a torch.save archive. It understands only the
// opcodes a state dict needs and builds plain data; the only callables it knows are an
// allow-list (OrderedDict, torch's tensor/parameter rebuild functions, float storage types),
// and those are interpreted here, never looked up or run. Any other GLOBAL (os.system,
// builtins.eval, ...) or opcode is rejected with Unsupported naming it and its byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace tsr {

// One tensor of the state dict as torch's _rebuild_tensor_v2 describes it.
struct PickledTensor {
  std::string name;         // state-dict key (nested dicts joined with '.')
  DType dtype = DType::F32;
  std::string storage_key;  // archive entry data/<storage_key>
  int64_t storage_numel = 0;  // elements in the storage
  int64_t offset = 0;         // storage offset in elements
  Shape shape;
  std::vector<int64_t> stride;  // in elements
};

// Parses a pickled state dict (pickle protocol 2..5 with the opcodes torch.save uses).
// CorruptFile for malformed streams (truncation, stack underflow, bad memo reference);
// Unsupported for anything outside the allow-list.
StatusOr<std::vector<PickledTensor>> unpickle_state_dict(const uint8_t* data, size_t size);

}  // namespace tsr
