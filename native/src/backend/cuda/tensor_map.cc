// Tensor-map encoding through the driver entry point (see tensor_map.h).
#include "backend/cuda/tensor_map.h"

#include <cuda_runtime.h>

namespace tsr::cuda {
namespace {

using EncodeTiledFn = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                   const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                   CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

// The driver's encoder, or null where the driver (or this entry point) is missing. Asks for
// the CUDA 12.0 ABI of the function, the version that introduced it.
EncodeTiledFn encoder() {
  static const EncodeTiledFn fn = [] {
    void* p = nullptr;
    cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
#if CUDART_VERSION >= 12050
    cudaError_t e = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &found);
#else
    cudaError_t e = cudaGetDriverEntryPoint("cuTensorMapEncodeTiled", &p, cudaEnableDefault, &found);
#endif
    if (e != cudaSuccess || found != cudaDriverEntryPointSuccess) {
      cudaGetLastError();  // a missing driver must not leave a sticky error for later calls
      return EncodeTiledFn(nullptr);
    }
    return reinterpret_cast<EncodeTiledFn>(p);
  }();
  return fn;
}

}  // namespace

bool tensor_maps_available() { return encoder() != nullptr; }

Status encode_bf16_tensor_map(CUtensorMap* map, const void* base, int rank, const uint64_t* dims,
                              const uint64_t* strides, const uint32_t* box) {
  EncodeTiledFn fn = encoder();
  if (!fn) return Error(Code::Unsupported, "tensor map: the driver has no cuTensorMapEncodeTiled");
  if (rank < 1 || rank > 5) return Error(Code::InvalidArgument, "tensor map: rank %d", rank);
  // The encoder's own rules (cuda.h), checked here so a violation names its cause.
  if (reinterpret_cast<uintptr_t>(base) % 16 != 0)
    return Error(Code::Unsupported, "tensor map: base address not 16-byte aligned");
  cuuint64_t d[5], s[4];
  cuuint32_t b[5], one[5] = {1, 1, 1, 1, 1};
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 0 || dims[i] > (uint64_t(1) << 32) || box[i] == 0 || box[i] > 256)
      return Error(Code::Unsupported, "tensor map: dimension %d (%llu, box %u) out of range", i,
                   (unsigned long long)dims[i], box[i]);
    d[i] = dims[i];
    b[i] = box[i];
  }
  for (int i = 0; i + 1 < rank; ++i) {
    if (strides[i] % 16 != 0 || strides[i] >= (uint64_t(1) << 40))
      return Error(Code::Unsupported, "tensor map: stride %d (%llu bytes) not a multiple of 16 below 2^40", i,
                   (unsigned long long)strides[i]);
    s[i] = strides[i];
  }
  if (box[0] * 2 > 128) return Error(Code::Unsupported, "tensor map: inner box %u wider than the swizzle", box[0]);
  CUresult r = fn(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, cuuint32_t(rank), const_cast<void*>(base), d, s, b, one,
                  CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                  CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) return Error(Code::Backend, "tensor map: cuTensorMapEncodeTiled failed (CUresult %d)", int(r));
  return OkStatus();
}

}  // namespace tsr::cuda
