// 3D convolution as an implicit GEMM on the tensor-core kernel: the input [Cin, T, H, W] is
// first transposed to channels-last [T, H, W, Cp] bf16 (Cp = Cin rounded up to 8, zero
// channels), so that every 16-byte chunk of the im2col row is one contiguous load; the
// weights were re-laid-out at upload to [Cout, kt, kh, kw, Cp]. Output rows are output
// channels, columns the output positions, so stores are coalesced in [Cout, To, Ho, Wo].
#include "backend/cuda/gemm_sm80.cuh"
#include "backend/cuda/kernels.h"

namespace tsr::cuda {
namespace {

struct ConvEpilogue {
  float* y;
  const float* bias;
  __device__ void operator()(int64_t m, int64_t n, float v0, float v1, int64_t M, int64_t N) const {
    if (m >= M) return;
    float b = bias ? bias[m] : 0.0f;
    if (n < N) y[m * N + n] = v0 + b;
    if (n + 1 < N) y[m * N + n + 1] = v1 + b;
  }
};

template <class G>
Status launch_conv(const ConvArgs& a, const ConvB& b, cudaStream_t s) {
  static bool configured = false;
  auto kernel = gemm_sm80_kernel<G, ConvB, ConvEpilogue>;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(G::smem_bytes()));
    if (e != cudaSuccess) return cuda_status(e, "conv smem attribute");
    configured = true;
  }
  dim3 grid(unsigned((b.N + G::BN - 1) / G::BN), unsigned((a.cout + G::BM - 1) / G::BM));
  kernel<<<grid, G::THREADS, G::smem_bytes(), s>>>(a.w, a.cout, b.K, b, b.N, ConvEpilogue{a.y, a.bias});
  return check_launch("conv3d");
}

}  // namespace

Status conv3d(const ConvArgs& a, cudaStream_t s) {
  int cp = (a.cin + 7) / 8 * 8;
  int64_t N = int64_t(a.to) * a.ho * a.wo;
  int64_t K = int64_t(a.kt) * a.kh * a.kw * cp;
  if (N == 0 || a.cout == 0) return OkStatus();
  ConvB b{a.x, cp, a.t, a.h, a.w_, a.kh, a.kw, a.st, a.sh, a.sw, a.pt0, a.ph0, a.pw0, a.to, a.ho, a.wo, N, K};
  // Output channels are the GEMM rows: pick the row tile that wastes least (Wan: 3, 96, 192, 384...).
  if (a.cout <= 32) return launch_conv<GemmTileT<32>>(a, b, s);
  if (a.cout <= 64) return launch_conv<GemmTileT<64>>(a, b, s);
  if (a.cout % 128 != 0 && a.cout % 96 == 0) return launch_conv<GemmTileT<96>>(a, b, s);
  return launch_conv<GemmTileT<128>>(a, b, s);
}

}  // namespace tsr::cuda
