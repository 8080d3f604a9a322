// Host side of the tensor memory accelerator: encodes tiled tensor maps (CUtensorMap) for the
// Hopper kernels. cuTensorMapEncodeTiled is a driver function; it is looked up at run time
// through the runtime's driver entry point, so the library never links libcuda and still
// loads on machines without a driver (encode() then reports Unsupported).
#pragma once

#include <cuda.h>

#include <cstdint>

#include "core/status.h"

namespace tsr::cuda {

// Whether this process can encode tensor maps (driver entry point found; cached).
bool tensor_maps_available();

// A bf16 map of `rank` (1..5) dimensions, innermost first: dims in elements, strides in bytes
// of dimensions 1.. (rank - 1 values, multiples of 16), box in elements (box[0] * 2 <= 128).
// 128-byte swizzle in shared memory, out-of-bounds elements read as zero.
Status encode_bf16_tensor_map(CUtensorMap* map, const void* base, int rank, const uint64_t* dims,
                              const uint64_t* strides, const uint32_t* box);

}  // namespace tsr::cuda
