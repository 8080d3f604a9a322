// Data movement: N-d permute, strided block copies (concat/slice), embedding gather and
// nearest-neighbour 2x upsampling.
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"

namespace tsr::cuda {
namespace {

struct PermuteGeom {
  int ndim;
  int64_t out_shape[6];
  int64_t in_stride_for_out[6];  // stride in the input of each output axis
};

template <class T>
__global__ void permute_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, PermuteGeom g) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rem = i, src = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
      int64_t c = rem % g.out_shape[d];
      rem /= g.out_shape[d];
      src += c * g.in_stride_for_out[d];
    }
    y[i] = x[src];
  }
}

// Outer rows over gridDim.y, the contiguous inner run over x-blocks: no per-element division.
template <class T>
__global__ void copy_block_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outer, int64_t inner,
                                  int64_t src_stride, int64_t dst_stride, int64_t dst_offset) {
  for (int64_t o = blockIdx.y; o < outer; o += gridDim.y) {
    const T* src = x + o * src_stride;
    T* dst = y + o * dst_stride + dst_offset;
    for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < inner; c += int64_t(gridDim.x) * blockDim.x)
      dst[c] = src[c];
  }
}

template <class T>
__global__ void embedding_kernel(const T* __restrict__ table, const int32_t* __restrict__ ids, int64_t dim,
                                 float* __restrict__ y) {
  const T* row = table + int64_t(ids[blockIdx.x]) * dim;
  for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) y[blockIdx.x * dim + c] = to_f32(row[c]);
}

// One block row per (plane, output row); threads over output columns.
template <class T>
__global__ void upsample_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t planes, int64_t h, int64_t w) {
  for (int64_t r = blockIdx.x; r < planes * 2 * h; r += gridDim.x) {
    const T* src = x + (r >> 1) * w;  // row (p, oy/2) of the input, since r = p*2h + oy
    T* dst = y + r * 2 * w;
    for (int64_t ox = threadIdx.x; ox < 2 * w; ox += blockDim.x) dst[ox] = src[ox >> 1];
  }
}

// 32x32 tiles through shared memory so both the read (positions contiguous) and the write
// (channels contiguous) are coalesced.
template <class X>
__global__ void channels_last_kernel(const X* __restrict__ x, __nv_bfloat16* __restrict__ y, int64_t C,
                                     int64_t Cp, int64_t P) {
  __shared__ float tile[32][33];
  int64_t p0 = int64_t(blockIdx.x) * 32, c0 = int64_t(blockIdx.y) * 32;
  for (int i = threadIdx.y; i < 32; i += blockDim.y) {
    int64_t c = c0 + i, p = p0 + threadIdx.x;
    tile[i][threadIdx.x] = (c < C && p < P) ? to_f32(x[c * P + p]) : 0.0f;
  }
  __syncthreads();
  for (int i = threadIdx.y; i < 32; i += blockDim.y) {
    int64_t p = p0 + i, c = c0 + threadIdx.x;
    if (p < P && c < Cp) y[p * Cp + c] = __float2bfloat16_rn(tile[threadIdx.x][i]);
  }
}

unsigned grid_for(int64_t n) {
  int64_t b = (n + 255) / 256;
  return unsigned(b < 65535 * 8 ? (b ? b : 1) : 65535 * 8);
}

}  // namespace

Status permute(const void* x, void* y, size_t elem, const int64_t* shape, const int* perm, int ndim,
               cudaStream_t s) {
  if (ndim < 1 || ndim > 6) return Error(Code::InvalidArgument, "permute: %d dims (1..6 supported)", ndim);
  int64_t in_stride[6];
  int64_t n = 1;
  for (int d = ndim - 1; d >= 0; --d) { in_stride[d] = n; n *= shape[d]; }
  PermuteGeom g{};
  g.ndim = ndim;
  for (int d = 0; d < ndim; ++d) {
    g.out_shape[d] = shape[perm[d]];
    g.in_stride_for_out[d] = in_stride[perm[d]];
  }
  if (n == 0) return OkStatus();
  if (elem == 4) permute_kernel<<<grid_for(n), 256, 0, s>>>((const float*)x, (float*)y, n, g);
  else if (elem == 2) permute_kernel<<<grid_for(n), 256, 0, s>>>((const uint16_t*)x, (uint16_t*)y, n, g);
  else return Error(Code::UnsupportedDtype, "permute: element size %zu", elem);
  return check_launch("permute");
}

Status copy_block(const void* x, void* y, size_t elem, int64_t outer, int64_t inner_src, int64_t src_stride,
                  int64_t inner_dst_stride, int64_t dst_offset, cudaStream_t s) {
  if (outer * inner_src == 0) return OkStatus();
  int64_t xblocks = (inner_src + 255) / 256;
  dim3 grid(unsigned(xblocks < 4096 ? xblocks : 4096), unsigned(outer < 65535 ? outer : 65535));
  if (elem == 4) copy_block_kernel<<<grid, 256, 0, s>>>((const float*)x, (float*)y, outer, inner_src, src_stride, inner_dst_stride, dst_offset);
  else if (elem == 2) copy_block_kernel<<<grid, 256, 0, s>>>((const uint16_t*)x, (uint16_t*)y, outer, inner_src, src_stride, inner_dst_stride, dst_offset);
  else return Error(Code::UnsupportedDtype, "copy: element size %zu", elem);
  return check_launch("copy_block");
}

Status embedding(const void* table, DType tt, const int32_t* ids, int64_t count, int64_t dim, float* y,
                 cudaStream_t s) {
  if (count == 0) return OkStatus();
  int t = dim >= 256 ? 256 : 64;
  if (tt == DType::BF16) embedding_kernel<<<unsigned(count), t, 0, s>>>((const __nv_bfloat16*)table, ids, dim, y);
  else embedding_kernel<<<unsigned(count), t, 0, s>>>((const float*)table, ids, dim, y);
  return check_launch("embedding");
}

Status to_channels_last(const void* x, DType xt, __nv_bfloat16* y, int64_t channels, int64_t padded,
                        int64_t positions, cudaStream_t s) {
  if (positions == 0) return OkStatus();
  dim3 grid(unsigned((positions + 31) / 32), unsigned((padded + 31) / 32));
  dim3 block(32, 8);
  if (xt == DType::F32) channels_last_kernel<<<grid, block, 0, s>>>((const float*)x, y, channels, padded, positions);
  else channels_last_kernel<<<grid, block, 0, s>>>((const __nv_bfloat16*)x, y, channels, padded, positions);
  return check_launch("to_channels_last");
}

Status upsample2x(const void* x, DType xt, void* y, int64_t planes, int64_t h, int64_t w, cudaStream_t s) {
  int64_t rows = planes * 2 * h;
  if (rows * w == 0) return OkStatus();
  unsigned blocks = unsigned(rows < 65535 * 4 ? rows : 65535 * 4);
  if (dtype_size(xt) == 4) upsample_kernel<<<blocks, 256, 0, s>>>((const float*)x, (float*)y, planes, h, w);
  else upsample_kernel<<<blocks, 256, 0, s>>>((const uint16_t*)x, (uint16_t*)y, planes, h, w);
  return check_launch("upsample2x");
}

}  // namespace tsr::cuda
