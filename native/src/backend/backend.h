// The op set every backend implements. Models (DiT, umT5, VAE) are written once against this
// interface; the CPU backend is the float32 reference, the CUDA backend runs bf16 GEMMs and
// attention with fp32 accumulation (precision map in spec/wan21.md §3.7).
//
// Errors are sticky, as in CUDA: an op that fails (bad shape, out of memory, device error)
// records the first error and returns an undefined Tensor; ops given undefined inputs return
// undefined outputs. Model code checks status() at block boundaries and returns it.
//
// Layouts: token activations are [tokens, channels] row-major; attention q/k/v/out are
// [tokens, heads*head_dim]; VAE activations are [C, T, H, W]. Linear weights are [out, in].
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace tsr {

enum class Act : uint8_t { None = 0, GeluTanh, Silu };

// How a weight is used decides how a backend stores it (CUDA: bf16 matrices, fp32 vectors).
enum class WeightKind : uint8_t {
  Matrix = 0,  // linear weight [out, in]
  // Linear weight whose stored precision is kept (up to float32) for layers where rounding is
  // amplified (umT5's unscaled attention); a bf16 backend may compute these in TF32.
  PreciseMatrix = 4,
  Conv,        // convolution weight [out, in, kt, kh, kw]
  Vector,      // bias, norm gain, modulation table: kept in float32
  Embedding,   // token embedding table [vocab, dim]
};

enum class AttnPattern : uint8_t { Dense = 0, Sta, Tile };

// Sparse pattern of one attention head over a video token grid (spec/sparse-attention.md).
struct HeadPattern {
  AttnPattern kind = AttnPattern::Dense;
  int window[3] = {0, 0, 0};  // STA: tiles per axis (t, h, w); >= tiles on an axis = whole axis
  int global_frames = 0;      // Tile: first k latent frames are global (rows and columns kept)
};

struct AttnSpec {
  int heads = 1;
  int head_dim = 0;
  float scale = 0.0f;  // logit scale; 0 means 1/sqrt(head_dim)

  // Video self-attention: tokens are in raster (t, h, w) order over `grid`.
  int grid[3] = {0, 0, 0};
  int tile[3] = {6, 8, 8};
  std::vector<HeadPattern> per_head;  // empty or size `heads`; empty = all dense

  // Text encoder (umT5): keys at index >= key_len are masked (-1: none), and a learned
  // relative position bias rel_bias[bucket(j - i), head] is added to logit (i query, j key).
  int key_len = -1;
  const Tensor* rel_bias = nullptr;  // [num_buckets, heads] float32, on this backend
  int num_buckets = 32;
  int max_distance = 128;

  bool is_dense() const {
    for (const auto& h : per_head)
      if (h.kind != AttnPattern::Dense) return false;
    return true;
  }
};

struct Conv3dSpec {
  int stride[3] = {1, 1, 1};
  // Zero padding (before, after) per axis t, h, w.
  int pad[3][2] = {{0, 0}, {0, 0}, {0, 0}};
};

struct MemoryStats {
  uint64_t in_use = 0;  // bytes currently allocated by this backend (weights + activations)
  uint64_t peak = 0;    // high-water mark since reset_peak()
  uint64_t total = 0;   // device capacity (host RAM for the CPU)
  uint64_t free = 0;
  uint64_t cached = 0;  // freed blocks kept for reuse (not in_use, not free; given back when short)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;  // "cpu", "cuda"
  virtual DeviceKind device() const = 0;

  // ---- sticky error state
  Status status() const {
    std::lock_guard<std::mutex> lock(err_mu_);
    return err_;
  }
  void clear_error() {
    std::lock_guard<std::mutex> lock(err_mu_);
    err_ = OkStatus();
  }
  // Records `st` if no earlier error is pending. Returns an undefined tensor for convenience.
  Tensor fail(Status st) {
    std::lock_guard<std::mutex> lock(err_mu_);
    if (err_.ok()) err_ = std::move(st);
    return Tensor();
  }

  // ---- memory and transfers
  // Copies/converts a host weight (any float dtype, possibly mmapped) into backend storage.
  virtual Tensor upload(const Tensor& host, WeightKind kind) = 0;
  // Host tensor (any float dtype) -> backend activation tensor.
  virtual Tensor from_host(const Tensor& host) = 0;
  // Backend tensor -> new host float32 tensor (synchronizes).
  virtual Tensor to_host(const Tensor& t) = 0;
  // Uninitialised activation tensor in the backend's activation dtype.
  virtual Tensor empty(const Shape& shape) = 0;
  virtual void synchronize() {}
  virtual MemoryStats memory() const = 0;
  virtual void reset_peak() = 0;

  // ---- GEMM: y[M,N] = act(x[M,K] · w[N,K]ᵀ + b[N])   (b may be null)
  virtual Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b, Act act = Act::None) = 0;
  // Same product with the result kept in float32 where a backend would round it to bf16: for
  // projections feeding unscaled attention logits (umT5), where that rounding is amplified.
  virtual Tensor linear_f32(const Tensor& x, const Tensor& w, const Tensor* b, Act act = Act::None) {
    return linear(x, w, b, act);
  }
  // Fused residual: res[M,N] += (x · wᵀ + b) ⊙ gate[N]   (gate null: plain add). In place.
  virtual void linear_residual_(Tensor& res, const Tensor& x, const Tensor& w, const Tensor* b,
                                const Tensor* gate) = 0;

  // ---- norms over the last dimension
  // (x - mean) / sqrt(var + eps) · w + b   (w, b may be null: no affine)
  virtual Tensor layer_norm(const Tensor& x, const Tensor* w, const Tensor* b, float eps) = 0;
  // LayerNorm without affine, then ⊙ (1 + scale[N]) + shift[N]  (DiT adaLN)
  virtual Tensor layer_norm_modulate(const Tensor& x, const Tensor& shift, const Tensor& scale,
                                     float eps) = 0;
  // x · rsqrt(mean(x²) + eps) · w
  virtual Tensor rms_norm(const Tensor& x, const Tensor& w, float eps) = 0;
  // VAE RMS_norm over dim 0 of x[C, ...]: x / max(||x||₂, 1e-12) · sqrt(C) · gamma[C]
  virtual Tensor rms_norm_channels(const Tensor& x, const Tensor& gamma) = 0;
  // rms_norm_channels followed by an activation; backends that can fuse the two override it
  // (the VAE applies this pair before every convolution).
  virtual Tensor rms_norm_channels_act(const Tensor& x, const Tensor& gamma, Act act) {
    Tensor y = rms_norm_channels(x, gamma);
    return act == Act::None ? y : unary(y, act);
  }

  // ---- position and attention
  // In-place 3D RoPE on x[tokens, heads*head_dim] (tokens raster over grid), Wan's split of
  // head_dim into t/h/w parts and interleaved (real, imag) pairs, theta 10000.
  virtual void rope3d_(Tensor& x, int heads, int head_dim, const int grid[3]) = 0;
  // softmax(q·kᵀ·scale + bias) · v per head, with the spec's sparse pattern / masks.
  virtual Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttnSpec& spec) = 0;

  // ---- elementwise (same shapes unless noted)
  virtual Tensor unary(const Tensor& x, Act act) = 0;  // GeluTanh or Silu
  virtual Tensor add(const Tensor& a, const Tensor& b) = 0;
  virtual Tensor mul(const Tensor& a, const Tensor& b) = 0;
  // res += y ⊙ gate[N] over rows of [M, N]; gate null: plain add. In place.
  virtual void add_gated_(Tensor& res, const Tensor& y, const Tensor* gate) = 0;
  virtual Tensor clamp(const Tensor& x, float lo, float hi) = 0;

  // ---- data movement
  virtual Tensor embedding(const Tensor& table, const std::vector<int32_t>& ids) = 0;  // [S, D]
  virtual Tensor permute(const Tensor& x, const std::vector<int>& perm) = 0;          // up to 6 dims
  virtual Tensor concat(const std::vector<Tensor>& parts, int dim) = 0;
  virtual Tensor slice(const Tensor& x, int dim, int64_t begin, int64_t end) = 0;    // copy

  // ---- VAE
  // x[Cin, T, H, W] * w[Cout, Cin, kt, kh, kw] + b[Cout] with zero padding and stride.
  virtual Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor* b, const Conv3dSpec& spec) = 0;
  // conv3d over the frames of `prefix` (may be null) followed by those of x along T, as if
  // they were concatenated (the VAE's causal caches); backends may avoid the copy.
  virtual Tensor conv3d_prefixed(const Tensor* prefix, const Tensor& x, const Tensor& w, const Tensor* b,
                                 const Conv3dSpec& spec) {
    if (!prefix) return conv3d(x, w, b, spec);
    return conv3d(concat({*prefix, x}, 1), w, b, spec);
  }
  // Nearest-neighbour ×2 in H and W: [C, T, H, W] -> [C, T, 2H, 2W].
  virtual Tensor upsample2x(const Tensor& x) = 0;

 private:
  mutable std::mutex err_mu_;
  Status err_;
};

// Creates the CPU backend (float32 reference; threads from the default pool).
std::unique_ptr<Backend> make_cpu_backend();

}  // namespace tsr
