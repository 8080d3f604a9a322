// Elementwise kernels: dtype conversion, activations, add/mul, gated residual, clamp.
#include "backend/cuda/cuda_common.cuh"
#include "backend/cuda/kernels.h"

namespace tsr::cuda {
namespace {

constexpr int kThreads = 256;

template <class X, class Y, class F>
__global__ void map_kernel(const X* __restrict__ x, Y* __restrict__ y, int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = from_f32<Y>(f(to_f32(x[i])));
}

template <class A, class B, class Y>
__global__ void binary_kernel(const A* __restrict__ a, const B* __restrict__ b, Y* __restrict__ y,
                              int64_t n, BinaryOp op) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float u = to_f32(a[i]), v = to_f32(b[i]);
    y[i] = from_f32<Y>(op == BinaryOp::Add ? u + v : u * v);
  }
}

// Rows over blocks (grid-stride), columns over threads: the gate index needs no division.
template <class Y>
__global__ void add_gated_kernel(float* __restrict__ res, const Y* __restrict__ y,
                                 const float* __restrict__ gate, int64_t rows, int64_t cols) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x)
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x)
      res[r * cols + c] += to_f32(y[r * cols + c]) * (gate ? gate[c] : 1.0f);
}

unsigned grid_for(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return unsigned(b < 65535 * 8 ? (b ? b : 1) : 65535 * 8);
}

struct Identity { __device__ float operator()(float v) const { return v; } };
struct Gelu { __device__ float operator()(float v) const { return gelu_tanh(v); } };
struct Silu { __device__ float operator()(float v) const { return silu(v); } };
struct Clamp {
  float lo, hi;
  __device__ float operator()(float v) const { return fminf(fmaxf(v, lo), hi); }
};

// Dispatches a map over the four (f32|bf16) -> (f32|bf16) combinations.
template <class F>
Status map(const void* x, DType xt, void* y, DType yt, int64_t n, F f, cudaStream_t s, const char* name) {
  if (n == 0) return OkStatus();
  using bf = __nv_bfloat16;
  unsigned g = grid_for(n);
  if (xt == DType::F32 && yt == DType::F32) map_kernel<<<g, kThreads, 0, s>>>((const float*)x, (float*)y, n, f);
  else if (xt == DType::F32 && yt == DType::BF16) map_kernel<<<g, kThreads, 0, s>>>((const float*)x, (bf*)y, n, f);
  else if (xt == DType::BF16 && yt == DType::F32) map_kernel<<<g, kThreads, 0, s>>>((const bf*)x, (float*)y, n, f);
  else if (xt == DType::BF16 && yt == DType::BF16) map_kernel<<<g, kThreads, 0, s>>>((const bf*)x, (bf*)y, n, f);
  else return Error(Code::UnsupportedDtype, "%s: unsupported dtypes %s -> %s", name, dtype_name(xt), dtype_name(yt));
  return check_launch(name);
}

}  // namespace

Status convert(const void* x, DType xt, void* y, DType yt, int64_t n, cudaStream_t s) {
  if (xt == yt) return cuda_status(cudaMemcpyAsync(y, x, size_t(n) * dtype_size(xt), cudaMemcpyDeviceToDevice, s), "convert copy");
  return map(x, xt, y, yt, n, Identity{}, s, "convert");
}

Status unary(const void* x, DType xt, void* y, DType yt, int64_t n, Act act, cudaStream_t s) {
  switch (act) {
    case Act::GeluTanh: return map(x, xt, y, yt, n, Gelu{}, s, "gelu_tanh");
    case Act::Silu: return map(x, xt, y, yt, n, Silu{}, s, "silu");
    case Act::None: return map(x, xt, y, yt, n, Identity{}, s, "identity");
  }
  return Error(Code::InvalidArgument, "unknown activation");
}

Status clamp(const void* x, DType xt, void* y, DType yt, int64_t n, float lo, float hi, cudaStream_t s) {
  return map(x, xt, y, yt, n, Clamp{lo, hi}, s, "clamp");
}

Status binary(const void* a, DType at, const void* b, DType bt, void* y, DType yt, int64_t n,
              BinaryOp op, cudaStream_t s) {
  if (n == 0) return OkStatus();
  using bf = __nv_bfloat16;
  unsigned g = grid_for(n);
  // Output follows the wider input; mixed inputs are promoted in registers.
  auto launch = [&](auto* ap, auto* bp) {
    if (yt == DType::F32) binary_kernel<<<g, kThreads, 0, s>>>(ap, bp, (float*)y, n, op);
    else binary_kernel<<<g, kThreads, 0, s>>>(ap, bp, (bf*)y, n, op);
  };
  if (at == DType::F32 && bt == DType::F32) launch((const float*)a, (const float*)b);
  else if (at == DType::F32 && bt == DType::BF16) launch((const float*)a, (const bf*)b);
  else if (at == DType::BF16 && bt == DType::F32) launch((const bf*)a, (const float*)b);
  else if (at == DType::BF16 && bt == DType::BF16) launch((const bf*)a, (const bf*)b);
  else return Error(Code::UnsupportedDtype, "binary: unsupported dtypes");
  return check_launch("binary");
}

Status add_gated(float* res, const void* y, DType yt, const float* gate, int64_t rows, int64_t cols,
                 cudaStream_t s) {
  if (rows * cols == 0) return OkStatus();
  unsigned blocks = unsigned(rows < 65535 ? rows : 65535);
  if (yt == DType::F32) add_gated_kernel<<<blocks, kThreads, 0, s>>>(res, (const float*)y, gate, rows, cols);
  else add_gated_kernel<<<blocks, kThreads, 0, s>>>(res, (const __nv_bfloat16*)y, gate, rows, cols);
  return check_launch("add_gated");
}

}  // namespace tsr::cuda
