// Writes a tiny Wan-architecture model folder (official layout) for engine and C API tests:
// the golden fixtures' configs (DiT dim 128 / 2 layers / text_len 16, umT5 dim 64, VAE dim 8)
// with fresh seeded random weights of the fixtures' shapes, written with the io module's
// safetensors writer.
#pragma once

#include <string>

#include "core/status.h"
#include "engine/request.h"

namespace tsr::test {

struct TinyModelOptions {
  uint64_t seed = 1;
  std::string defaults_json;  // "defaults" object of tessera.json; empty: none
  bool corrupt_dit = false;   // truncate the DiT file
  bool drop_dit_key = false;  // leave one DiT tensor out
};

// Returns the folder (created under a fresh temp dir).
StatusOr<std::string> write_tiny_model(const TinyModelOptions& opts = {});

// A request the tiny model runs in milliseconds: 4 prompt and 2 negative tokens, 48x32, guidance
// 4; frames, steps, shift and seed are left to the test.
GenerateRequest tiny_request();

}  // namespace tsr::test
