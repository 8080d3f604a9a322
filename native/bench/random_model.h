// Random-weight checkpoints of the real model configs for benchmarks: an in-memory WeightStore
// listing every tensor a model binds (spec/wan21.md §4.1, §5.6, §6.3), generated lazily with
// scaled normal values when the loader asks for it, so a 1.3B DiT or the 5.7B umT5-XXL never
// sits in host memory as a whole.
#pragma once

#include <map>
#include <memory>

#include "io/weights.h"
#include "models/configs.h"

namespace tsr::bench {

std::shared_ptr<WeightStore> random_dit_weights(const DitConfig& cfg, uint64_t seed);
std::shared_ptr<WeightStore> random_t5_weights(const T5Config& cfg, uint64_t seed);
// Decoder half (conv2 + decoder.*) of a WanVAE_ state dict.
std::shared_ptr<WeightStore> random_vae_decoder_weights(const VaeConfig& cfg, uint64_t seed);

// Keeps every tensor `inner` hands out (in host memory), so a model loaded again (the text
// encoder each generation, a DiT released for decoding) gets the same bytes without generating
// them again: load times then stand for reading a file from the page cache, not for the
// random generator.
std::shared_ptr<WeightStore> memoized_store(std::shared_ptr<WeightStore> inner);

// Host float32 tensor of uniform values in [-scale, scale] (xorshift; never all zeros, which
// would time faster): inputs for the benchmarks.
Tensor random_host(const Shape& shape, uint64_t seed, float scale = 1.0f);

}  // namespace tsr::bench
