// Writes host tensors as a safetensors file, atomically: the bytes go to a temporary file
// beside the target, which is renamed over it only once complete and flushed, so a crash or a
// full disk never leaves a half-written checkpoint under the final name.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "core/tensor.h"

namespace tsr {

// Tensors must be host tensors of F32, BF16, F16, I32, I64 or U8 (InvalidArgument otherwise).
// Data is laid out by descending element size, then name, so every tensor is aligned to its
// element size (the header is padded to 8 bytes). Io errors name the path and the cause
// (permission denied, disk full, missing folder); the temporary file is removed on failure.
Status write_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                         const std::map<std::string, std::string>& metadata = {});

}  // namespace tsr
