// Prompt token ids -> DiT context (spec/wan21.md §1, §6.4).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "models/t5.h"

namespace tsr {

constexpr int32_t kEosId = 1;  // umT5 (and the demo tokenizer): pad 0, EOS 1

// Normalises the ids of one prompt: empty -> {EOS} (what the tokenizer gives for ""); longer
// than text_len -> the first text_len - 1 ids and the last one (EOS), as the tokenizer's
// truncation does. InvalidArgument for ids outside [0, vocab).
StatusOr<std::vector<int32_t>> prepare_ids(const std::vector<int32_t>& ids, int text_len, int vocab);

// Pads the ids with 0 to text_len, encodes with the real length (pads are masked as keys) and
// keeps the first L rows: host float32 [L, dim].
StatusOr<Tensor> encode_text(const UmT5Encoder& t5, const std::vector<int32_t>& ids, int text_len);

}  // namespace tsr
