// Hopper (sm_90) tensor-memory-accelerator primitives for the attention kernel: a tiled
// tensor-map load that completes on an mbarrier (complete_tx), and the arrive that tells the
// barrier how many bytes to wait for. The maps are encoded on the host (tensor_map.h) and
// passed as __grid_constant__ kernel parameters, so their generic address is valid here.
#pragma once

#include <cuda.h>

#include <cstdint>

#include "backend/cuda/wgmma_sm90.cuh"

namespace tsr::cuda::sm90 {

// One arrival that also raises the barrier's expected transaction count by `bytes`: the phase
// completes once every arrival is in and that many bytes have landed.
__device__ __forceinline__ void mbar_arrive_expect_tx(uint64_t* bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smem_addr(bar)), "r"(bytes)
               : "memory");
}

// Makes barrier initialisation visible to the async proxy (the TMA unit's complete_tx)
// before the first load names the barrier.
__device__ __forceinline__ void fence_mbarrier_init() {
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}

// Loads the box of a 5-D map whose corner is (c0 innermost .. c4) into shared memory at `dst`
// (1024-byte aligned for the 128-byte swizzle); elements outside the tensor are zero-filled,
// and the whole box counts toward the barrier's transaction bytes.
__device__ __forceinline__ void tma_load_5d(void* dst, const CUtensorMap* map, uint64_t* bar, int c0, int c1, int c2,
                                            int c3, int c4) {
  asm volatile(
      "cp.async.bulk.tensor.5d.shared::cluster.global.mbarrier::complete_tx::bytes"
      " [%0], [%1, {%3, %4, %5, %6, %7}], [%2];\n" ::"r"(smem_addr(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smem_addr(bar)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(c4)
      : "memory");
}

// Brings a map's descriptor into the TMA unit's cache ahead of the first load.
__device__ __forceinline__ void tma_prefetch_map(const CUtensorMap* map) {
  asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<uint64_t>(map)) : "memory");
}

}  // namespace tsr::cuda::sm90
