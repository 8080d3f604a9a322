// Linear weights stored in the GEMM's own layout, packed once at upload instead of on every
// call (at small token counts packing W costs a third of the product).
//
// Layout of a packed W[N, K]: panels of `nr` output features, panel q holding W[q·nr + c, k]
// at data[(q·K + k)·nr + c] (zero for q·nr + c >= N). A K-block of a panel is then exactly
// the contiguous B micro-panel the micro-kernel reads.
//
// The Tensor handed out keeps its logical shape; a process-wide registry of packed
// buffers lets the backend recognise them: linear() uses them directly, to_host() unpacks,
// and every other op refuses them (and any view into them) with a clear error instead of
// reading the panels as a row-major matrix.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/tensor.h"
#include "core/threadpool.h"

namespace tsr::cpu {

struct PackedInfo {
  const float* data = nullptr;
  int64_t N = 0, K = 0;
  int nr = 0;
};

// Floats needed for a packed W[N, K] with panels of nr.
int64_t packed_floats(int64_t N, int64_t K, int nr);
// Packs a host W of any float dtype, seen as [N = dim 0, K = the rest], into dst
// (packed_floats() floats).
void pack_weight(const Tensor& w, int nr, float* dst, ThreadPool& pool);
// Row-major W[N, K] back from the packed form.
void unpack_weight(const PackedInfo& info, float* dst);

void register_packed(const PackedInfo& info, size_t bytes);
void unregister_packed(const float* data);
// True when p points into a registered packed buffer; `info` describes that buffer and
// `exact` says whether p is its start (a view into the middle is not a usable weight).
bool find_packed(const void* p, PackedInfo* info = nullptr, bool* exact = nullptr);

}  // namespace tsr::cpu
