// The CUDA backend: owns the device, one stream, the caching pool, and dispatches each op of
// backend.h to the kernels declared in kernels.h. Dtype policy (spec/wan21.md §3.7):
//   weights: matrices/convs/embeddings bf16, vectors fp32;
//   GEMM outputs bf16 (fp32 accumulate), residual updates fp32 in place;
//   layer norms emit bf16 (they feed GEMMs), RMS norms fp32 (they feed RoPE or GEMMs);
//   RoPE emits bf16 (attention operands), attention emits bf16; conv3d emits fp32.
#include "backend/cuda/cuda_backend.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "backend/cuda/cuda_status.h"
#include "backend/cuda/host_staging.h"
#include "backend/cuda/kernels.h"
#include "backend/cuda/memory_pool.h"
#include "backend/cuda/op_profiler.h"
#include "core/threadpool.h"

namespace tsr {
namespace {

using cuda::MemoryPool;

class CudaBackend final : public Backend {
 public:
  CudaBackend(int device, CudaPath path, cudaStream_t stream, int cc)
      : device_(device), path_(path), stream_(stream), cc_(cc),
        pool_(std::make_shared<MemoryPool>(device)), profiler_(std::make_unique<cuda::OpProfiler>(stream)) {}
  ~CudaBackend() override {
    cudaSetDevice(device_);
    profiler_.reset();  // prints the per-op report when TESSERA_PROFILE=1
    cudaStreamSynchronize(stream_);
    rope_cache_.clear();
    pattern_cache_.clear();
    slab_.reset();
    pool_->release_cached();
    cudaStreamDestroy(stream_);
  }

  const char* name() const override { return "cuda"; }
  DeviceKind device() const override { return DeviceKind::Cuda; }

  // ---------------------------------------------------------------- memory
  Tensor alloc(DType dt, const Shape& shape) {
    auto mem = pool_->allocate(size_t(shape_numel(shape)) * dtype_size(dt));
    if (!mem.ok()) return fail(mem.status());
    return Tensor::wrap(mem->get(), dt, shape, DeviceKind::Cuda, *mem);
  }

  // Weights are packed into 64 MiB slabs (256-byte aligned): one cudaMalloc per weight rounds
  // a 4.5 MiB matrix up to 6 MiB of 2 MiB pages and a 6 KB bias to a page of its own, which
  // cost the 1.3B DiT 0.46 GiB (run of the 8 GiB pipeline). A slab goes back to the pool when
  // its last weight is freed; weights of half a slab or more get a block of their own.
  Tensor alloc_weight(DType dt, const Shape& shape) {
    static constexpr size_t kSlab = size_t(64) << 20, kAlign = 256;
    const size_t bytes = (size_t(shape_numel(shape)) * dtype_size(dt) + kAlign - 1) / kAlign * kAlign;
    if (bytes >= kSlab / 2) return alloc(dt, shape);
    if (!slab_ || slab_used_ + bytes > kSlab) {
      slab_.reset();
      auto mem = pool_->allocate(kSlab);
      if (!mem.ok()) return fail(mem.status());
      slab_ = *mem;
      slab_used_ = 0;
    }
    void* p = static_cast<char*>(slab_.get()) + slab_used_;
    slab_used_ += bytes;
    return Tensor::wrap(p, dt, shape, DeviceKind::Cuda, std::shared_ptr<void>(slab_, p));
  }

  bool ok(Status st) {
    if (st.ok()) return true;
    fail(std::move(st));
    return false;
  }

  bool check_inputs(std::initializer_list<const Tensor*> ts, const char* op) {
    if (!status().ok()) return false;
    for (const Tensor* t : ts) {
      if (!t->defined()) return false;
      if (t->device() != DeviceKind::Cuda)
        return ok(Error(Code::InvalidArgument, "%s: tensor is not on the CUDA device", op));
    }
    return true;
  }

  Tensor upload(const Tensor& host, WeightKind kind) override {
    if (!host.defined() || host.device() != DeviceKind::Cpu)
      return fail(Error(Code::InvalidArgument, "upload: expects a host tensor"));
    // bf16 checkpoints (umT5-XXL, bf16 DiT exports) go to the device as they are.
    if (host.dtype() == DType::BF16 &&
        (kind == WeightKind::Matrix || kind == WeightKind::PreciseMatrix || kind == WeightKind::Embedding))
      return copy_in(host.data(), DType::BF16, host.shape(), /*weight=*/true);
    // A float32 checkpoint's PreciseMatrix stays float32 (computed in TF32 by gemm_f32).
    if (host.dtype() == DType::F32 && kind == WeightKind::PreciseMatrix && host.ndim() == 2)
      return copy_in(host.data(), DType::F32, host.shape(), /*weight=*/true);
    Tensor f32 = host.dtype() == DType::F32 ? host : host_to_f32(host);
    if (!f32.defined()) return fail(Error(Code::OutOfMemory, "upload: host conversion failed"));
    const float* src = f32.data_as<float>();
    if (kind == WeightKind::Vector) return copy_in(src, DType::F32, host.shape(), /*weight=*/true);
    if (kind == WeightKind::Conv) return upload_conv(f32);
    std::vector<uint16_t> bf(size_t(f32.numel()));
    default_pool().parallel_for(f32.numel(), 1 << 16, [&](int64_t b, int64_t e) {
      convert_from_f32(src + b, bf.data() + b, DType::BF16, size_t(e - b));
    });
    return copy_in(bf.data(), DType::BF16, host.shape(), /*weight=*/true);
  }

  // Conv weights [Cout, Cin, (kt,) kh, kw] -> [Cout, taps, Cp] bf16 (Cin padded to 8, taps in
  // raster order); the tensor keeps its logical shape and is remembered as packed, so a
  // reshape of a 2-D kernel to [Cout, Cin, 1, kh, kw] (same data) stays valid.
  Tensor upload_conv(const Tensor& w) {
    if (w.ndim() != 5 && w.ndim() != 4)
      return fail(Error(Code::ShapeMismatch, "conv weight must be 4-D or 5-D, got %s", shape_str(w.shape()).c_str()));
    int64_t co = w.dim(0), ci = w.dim(1), taps = w.numel() / (co * ci);
    int64_t cp = (ci + 7) / 8 * 8;
    std::vector<uint16_t> packed(size_t(co * taps * cp), 0);
    const float* src = w.data_as<float>();
    for (int64_t o = 0; o < co; ++o)
      for (int64_t c = 0; c < ci; ++c)
        for (int64_t t = 0; t < taps; ++t)
          packed[size_t((o * taps + t) * cp + c)] = f32_to_bf16(src[(o * ci + c) * taps + t]);
    Tensor d = alloc_weight(DType::BF16, {co * taps * cp});
    if (!d.defined()) return d;
    if (!ok(stager_.copy(d.data(), packed.data(), packed.size() * 2, stream_))) return Tensor();
    Tensor t = Tensor::wrap(d.data(), DType::BF16, w.shape(), DeviceKind::Cuda, d.owner());
    packed_convs_.insert(t.data());
    return t;
  }

  Tensor copy_in(const void* src, DType dt, const Shape& shape, bool weight = false) {
    Tensor d = weight ? alloc_weight(dt, shape) : alloc(dt, shape);
    if (!d.defined()) return d;
    // Staged through pinned memory: the caller may free `src` once this returns.
    if (!ok(stager_.copy(d.data(), src, d.nbytes(), stream_))) return Tensor();
    return d;
  }

  Tensor from_host(const Tensor& host) override {
    auto prof = profiler_->scope("from_host");
    if (!host.defined() || host.device() != DeviceKind::Cpu)
      return fail(Error(Code::InvalidArgument, "from_host: expects a host tensor"));
    Tensor f32 = host.dtype() == DType::F32 ? host : host_to_f32(host);
    return copy_in(f32.data(), DType::F32, host.shape());
  }

  Tensor to_host(const Tensor& t) override {
    auto prof = profiler_->scope("to_host");
    if (!check_inputs({&t}, "to_host")) return Tensor();
    Tensor h = host_empty(t.dtype(), t.shape());
    if (!h.defined()) return fail(Error(Code::OutOfMemory, "to_host: host allocation of %zu bytes failed", t.nbytes()));
    if (!ok(cuda::cuda_status(cudaMemcpyAsync(h.data(), t.data(), t.nbytes(), cudaMemcpyDeviceToHost, stream_), "device to host")))
      return Tensor();
    if (!ok(cuda::cuda_status(cudaStreamSynchronize(stream_), "device to host sync"))) return Tensor();
    return t.dtype() == DType::F32 ? h : host_to_f32(h);
  }

  Tensor empty(const Shape& shape) override { return alloc(DType::F32, shape); }

  void synchronize() override { ok(cuda::cuda_status(cudaStreamSynchronize(stream_), "synchronize")); }

  MemoryStats memory() const override {
    MemoryStats m;
    m.in_use = pool_->in_use();
    m.peak = pool_->peak();
    m.cached = pool_->reserved() - pool_->in_use();
    size_t fr = 0, tot = 0;
    if (cudaMemGetInfo(&fr, &tot) == cudaSuccess) { m.free = fr; m.total = tot; }
    return m;
  }
  void reset_peak() override { pool_->reset_peak(); }

  // ---------------------------------------------------------------- helpers
  // bf16 view of t (converting when it is fp32).
  Tensor as_bf16(const Tensor& t) {
    if (t.dtype() == DType::BF16) return t;
    Tensor y = alloc(DType::BF16, t.shape());
    if (!y.defined()) return y;
    if (!ok(cuda::convert(t.data(), t.dtype(), y.data(), DType::BF16, t.numel(), stream_))) return Tensor();
    return y;
  }
  Tensor as_f32(const Tensor& t) {
    if (t.dtype() == DType::F32) return t;
    Tensor y = alloc(DType::F32, t.shape());
    if (!y.defined()) return y;
    if (!ok(cuda::convert(t.data(), t.dtype(), y.data(), DType::F32, t.numel(), stream_))) return Tensor();
    return y;
  }
  bool is_vector(const Tensor* t, int64_t n, const char* op) {
    if (!t) return true;
    if (t->dtype() != DType::F32 || t->numel() != n)
      return ok(Error(Code::ShapeMismatch, "%s: expected a float32 vector of %lld, got %s %s", op, (long long)n,
                      dtype_name(t->dtype()), shape_str(t->shape()).c_str()));
    return true;
  }

  // ---------------------------------------------------------------- GEMM
  bool gemm_shapes(const Tensor& x, const Tensor& w, const Tensor* b, int64_t& M, int64_t& N, int64_t& K, const char* op) {
    if (w.ndim() != 2 || (w.dtype() != DType::BF16 && w.dtype() != DType::F32))
      return ok(Error(Code::ShapeMismatch, "%s: weight must be an uploaded [out, in] matrix, got %s", op, shape_str(w.shape()).c_str()));
    N = w.dim(0);
    K = w.dim(1);
    if (x.ndim() < 1 || x.dim(-1) != K)
      return ok(Error(Code::ShapeMismatch, "%s: input %s does not end in %lld", op, shape_str(x.shape()).c_str(), (long long)K));
    M = x.numel() / K;
    return is_vector(b, N, op);
  }

  Tensor linear(const Tensor& x, const Tensor& w, const Tensor* b, Act act) override {
    auto prof = profiler_->scope("linear");
    return gemm_out(x, w, b, act, DType::BF16);
  }

  Tensor gemm_out(const Tensor& x, const Tensor& w, const Tensor* b, Act act, DType out) {
    if (!check_inputs({&x, &w}, "linear")) return Tensor();
    int64_t M = 0, N = 0, K = 0;
    if (!gemm_shapes(x, w, b, M, N, K, "linear")) return Tensor();
    Shape os = x.shape();
    os.back() = N;
    Tensor y = alloc(out, os);
    if (!y.defined()) return y;
    if (w.dtype() == DType::F32) {  // PreciseMatrix from a float32 checkpoint
      cuda::GemmArgs a;
      a.bias = b ? b->data_as<float>() : nullptr;
      a.M = M; a.N = N; a.K = K; a.act = act; a.y = y.data(); a.yt = out;
      return precise_gemm(a, x, w) ? y : Tensor();
    }
    Tensor xb = as_bf16(x);
    if (!xb.defined()) return Tensor();
    cuda::GemmArgs a;
    a.x = xb.data_as<__nv_bfloat16>();
    a.w = w.data_as<__nv_bfloat16>();
    a.bias = b ? b->data_as<float>() : nullptr;
    a.M = M; a.N = N; a.K = K; a.act = act; a.y = y.data(); a.yt = out;
    if (!run_gemm(a)) return Tensor();
    return y;
  }

  Tensor linear_f32(const Tensor& x, const Tensor& w, const Tensor* b, Act act) override {
    auto prof = profiler_->scope("linear_f32");
    return gemm_out(x, w, b, act, DType::F32);
  }

  void linear_residual_(Tensor& res, const Tensor& x, const Tensor& w, const Tensor* b, const Tensor* gate) override {
    auto prof = profiler_->scope("linear_residual");
    if (!check_inputs({&res, &x, &w}, "linear_residual")) return;
    int64_t M = 0, N = 0, K = 0;
    if (!gemm_shapes(x, w, b, M, N, K, "linear_residual") || !is_vector(gate, N, "linear_residual gate")) return;
    if (res.numel() != M * N) {
      ok(Error(Code::ShapeMismatch, "linear_residual: residual %s vs output [%lld, %lld]", shape_str(res.shape()).c_str(), (long long)M, (long long)N));
      return;
    }
    res = as_f32(res);
    if (!res.defined()) return;
    if (w.dtype() == DType::F32) {  // PreciseMatrix from a float32 checkpoint
      cuda::GemmArgs a;
      a.bias = b ? b->data_as<float>() : nullptr;
      a.M = M; a.N = N; a.K = K;
      a.res = res.data_as<float>();
      a.gate = gate ? gate->data_as<float>() : nullptr;
      precise_gemm(a, x, w);
      return;
    }
    Tensor xb = as_bf16(x);
    if (!xb.defined()) return;
    cuda::GemmArgs a;
    a.x = xb.data_as<__nv_bfloat16>();
    a.w = w.data_as<__nv_bfloat16>();
    a.bias = b ? b->data_as<float>() : nullptr;
    a.M = M; a.N = N; a.K = K;
    a.res = res.data_as<float>();
    a.gate = gate ? gate->data_as<float>() : nullptr;
    run_gemm(a);
  }

  // One GEMM, with the scratch buffer a library product needs when its epilogue runs as a
  // separate kernel (freed in stream order after the launch).
  bool run_gemm(cuda::GemmArgs& a) {
    Tensor scratch;
    if (size_t bytes = cuda::gemm_scratch_bytes(a)) {
      if (!(scratch = alloc(DType::U8, {int64_t(bytes)})).defined()) return false;
      a.scratch = scratch.data();
    }
    return ok(cuda::gemm(a, stream_));
  }

  // x (converted to float32) times a float32 weight in TF32, then a's epilogue.
  bool precise_gemm(const cuda::GemmArgs& a, const Tensor& x, const Tensor& w) {
    Tensor xf = as_f32(x);
    Tensor z = alloc(DType::F32, {a.M, a.N});
    if (!xf.defined() || !z.defined()) return false;
    return ok(cuda::gemm_f32(a, xf.data_as<float>(), w.data_as<float>(), z.data_as<float>(), stream_));
  }

  // ---------------------------------------------------------------- norms
  Tensor norm(const Tensor& x, int mode, const Tensor* w, const Tensor* b, const Tensor* shift, const Tensor* scale,
              float eps, DType out, const char* op) {
    if (!check_inputs({&x}, op)) return Tensor();
    int64_t cols = x.dim(-1), rows = x.numel() / (cols ? cols : 1);
    if (!is_vector(w, cols, op) || !is_vector(b, cols, op) || !is_vector(shift, cols, op) || !is_vector(scale, cols, op))
      return Tensor();
    Tensor y = alloc(out, x.shape());
    if (!y.defined()) return y;
    auto p = [](const Tensor* t) { return t ? t->data_as<float>() : nullptr; };
    if (!ok(cuda::row_norm(x.data(), x.dtype(), y.data(), out, rows, cols, mode, p(w), p(b), p(shift), p(scale), eps, stream_)))
      return Tensor();
    return y;
  }
  Tensor layer_norm(const Tensor& x, const Tensor* w, const Tensor* b, float eps) override {
    auto prof = profiler_->scope("layer_norm");
    return norm(x, 0, w, b, nullptr, nullptr, eps, DType::BF16, "layer_norm");
  }
  Tensor layer_norm_modulate(const Tensor& x, const Tensor& shift, const Tensor& scale, float eps) override {
    auto prof = profiler_->scope("layer_norm_modulate");
    if (!check_inputs({&shift, &scale}, "layer_norm_modulate")) return Tensor();
    return norm(x, 1, nullptr, nullptr, &shift, &scale, eps, DType::BF16, "layer_norm_modulate");
  }
  Tensor rms_norm(const Tensor& x, const Tensor& w, float eps) override {
    auto prof = profiler_->scope("rms_norm");
    if (!check_inputs({&w}, "rms_norm")) return Tensor();
    return norm(x, 2, &w, nullptr, nullptr, nullptr, eps, DType::F32, "rms_norm");
  }
  Tensor rms_norm_channels(const Tensor& x, const Tensor& gamma) override {
    auto prof = profiler_->scope("rms_norm_channels");
    return channel_norm(x, gamma, Act::None, DType::F32);
  }
  // Fused with the activation; bf16 out because a convolution (bf16 operands) consumes it.
  Tensor rms_norm_channels_act(const Tensor& x, const Tensor& gamma, Act act) override {
    auto prof = profiler_->scope("rms_norm_channels_act");
    return channel_norm(x, gamma, act, act == Act::None ? DType::F32 : DType::BF16);
  }
  Tensor channel_norm(const Tensor& x, const Tensor& gamma, Act act, DType out) {
    if (!check_inputs({&x, &gamma}, "rms_norm_channels")) return Tensor();
    int64_t c = x.dim(0), p = x.numel() / (c ? c : 1);
    if (!is_vector(&gamma, c, "rms_norm_channels")) return Tensor();
    Tensor y = alloc(out, x.shape());
    if (!y.defined()) return y;
    if (!ok(cuda::channel_rms(x.data(), x.dtype(), y.data(), out, c, p, gamma.data_as<float>(), act, stream_)))
      return Tensor();
    return y;
  }

  // ---------------------------------------------------------------- RoPE and attention
  struct RopeTables { Tensor t[3]; int pairs[3]; };
  const RopeTables* rope_tables(int head_dim, const int grid[3]) {
    std::vector<int> key = {head_dim, grid[0], grid[1], grid[2]};
    auto it = rope_cache_.find(key);
    if (it != rope_cache_.end()) return &it->second;
    int half = head_dim / 2, s = half / 3;
    int dims[3] = {head_dim - 4 * (head_dim / 6), 2 * (head_dim / 6), 2 * (head_dim / 6)};
    RopeTables rt;
    rt.pairs[0] = half - 2 * s; rt.pairs[1] = s; rt.pairs[2] = s;
    for (int ax = 0; ax < 3; ++ax) {
      int np = rt.pairs[ax];
      std::vector<float> cs(size_t(grid[ax]) * np * 2);
      for (int p = 0; p < grid[ax]; ++p)
        for (int j = 0; j < np; ++j) {
          double ang = double(p) * std::pow(10000.0, -2.0 * j / dims[ax]);
          cs[(size_t(p) * np + j) * 2] = float(std::cos(ang));
          cs[(size_t(p) * np + j) * 2 + 1] = float(std::sin(ang));
        }
      rt.t[ax] = copy_in(cs.data(), DType::F32, {int64_t(cs.size())});
      if (!rt.t[ax].defined()) return nullptr;
    }
    return &rope_cache_.emplace(key, rt).first->second;
  }

  void rope3d_(Tensor& x, int heads, int head_dim, const int grid[3]) override {
    auto prof = profiler_->scope("rope3d");
    if (!check_inputs({&x}, "rope3d")) return;
    int64_t tokens = int64_t(grid[0]) * grid[1] * grid[2];
    if (x.numel() != tokens * heads * head_dim || head_dim % 2) {
      ok(Error(Code::ShapeMismatch, "rope3d: %s vs grid %dx%dx%d, %d heads of %d", shape_str(x.shape()).c_str(),
               grid[0], grid[1], grid[2], heads, head_dim));
      return;
    }
    const RopeTables* rt = rope_tables(head_dim, grid);
    if (!rt) return;
    Tensor y = alloc(DType::BF16, x.shape());
    if (!y.defined()) return;
    const float2* cs[3] = {rt->t[0].data_as<float2>(), rt->t[1].data_as<float2>(), rt->t[2].data_as<float2>()};
    if (ok(cuda::rope3d(x.data(), x.dtype(), y.data(), DType::BF16, heads, head_dim, grid, rt->pairs, cs, stream_)))
      x = y;
  }

  const int* patterns(const AttnSpec& spec) {
    if (spec.per_head.empty()) return nullptr;
    std::vector<int> key;
    for (const auto& h : spec.per_head) {
      key.push_back(int(h.kind));
      key.insert(key.end(), {h.window[0], h.window[1], h.window[2], h.global_frames});
    }
    auto it = pattern_cache_.find(key);
    if (it == pattern_cache_.end()) {
      Tensor t = copy_in(key.data(), DType::I32, {int64_t(key.size())});
      if (!t.defined()) return nullptr;
      it = pattern_cache_.emplace(key, t).first;
    }
    return it->second.data_as<int>();
  }

  Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttnSpec& spec) override {
    auto prof = profiler_->scope("attention");
    if (!check_inputs({&q, &k, &v}, "attention")) return Tensor();
    int64_t width = int64_t(spec.heads) * spec.head_dim;
    if (width <= 0 || q.numel() % width || k.numel() % width || k.numel() != v.numel())
      return fail(Error(Code::ShapeMismatch, "attention: q %s k %s v %s vs %d heads of %d", shape_str(q.shape()).c_str(),
                        shape_str(k.shape()).c_str(), shape_str(v.shape()).c_str(), spec.heads, spec.head_dim));
    if (!spec.per_head.empty() && int(spec.per_head.size()) != spec.heads)
      return fail(Error(Code::InvalidArgument, "attention: %zu head patterns for %d heads", spec.per_head.size(), spec.heads));
    cuda::AttnArgs a;
    a.nq = q.numel() / width;
    a.nk = k.numel() / width;
    bool sparse = !spec.is_dense();
    if (sparse) {
      int64_t tokens = int64_t(spec.grid[0]) * spec.grid[1] * spec.grid[2];
      if (a.nq != tokens || a.nk != tokens)
        return fail(Error(Code::ShapeMismatch, "attention: sparse patterns need q and k over the %dx%dx%d grid",
                          spec.grid[0], spec.grid[1], spec.grid[2]));
      for (int ax = 0; ax < 3; ++ax)
        if (spec.tile[ax] <= 0) return fail(Error(Code::InvalidArgument, "attention: tile sizes must be positive"));
    }
    a.heads = spec.heads;
    a.head_dim = spec.head_dim;
    // Set before the kernel choice below (the flash family takes no bias); validated further down.
    a.rel_bias = spec.rel_bias ? spec.rel_bias->data_as<float>() : nullptr;
    Tensor o = alloc(DType::BF16, q.shape());
    Tensor qb, kb, vb;
    // One wide head (the VAE's middle block): two GEMMs around a softmax (needs K % 8 == 0).
    const bool wide = spec.heads == 1 && spec.head_dim > 128 && !sparse && !spec.rel_bias && spec.key_len < 0 &&
                      a.nk % 8 == 0 && spec.head_dim % 8 == 0;
    if (!wide && !cuda::attention_uses_flash(a) && q.dtype() == DType::F32 && k.dtype() == DType::F32 &&
        v.dtype() == DType::F32) {
      // The generic kernel reads float32 operands as they are (umT5 keeps q/k in float32).
      a.qf = q.data_as<float>(); a.kf = k.data_as<float>(); a.vf = v.data_as<float>();
    } else {
      qb = as_bf16(q); kb = as_bf16(k); vb = as_bf16(v);
      if (!qb.defined() || !kb.defined() || !vb.defined()) return Tensor();
      a.q = qb.data_as<__nv_bfloat16>(); a.k = kb.data_as<__nv_bfloat16>(); a.v = vb.data_as<__nv_bfloat16>();
    }
    if (!o.defined()) return Tensor();
    a.o = o.data_as<__nv_bfloat16>();
    a.scale = spec.scale != 0.0f ? spec.scale : 1.0f / std::sqrt(float(spec.head_dim));
    for (int ax = 0; ax < 3; ++ax) { a.grid[ax] = spec.grid[ax]; a.tile[ax] = spec.tile[ax]; }
    a.sparse = sparse;
    a.patterns = sparse ? patterns(spec) : nullptr;
    if (sparse && !a.patterns) return Tensor();
    a.key_len = spec.key_len;
    if (spec.rel_bias) {
      if (spec.rel_bias->device() != DeviceKind::Cuda || spec.rel_bias->dtype() != DType::F32 ||
          spec.rel_bias->numel() != int64_t(spec.num_buckets) * spec.heads)
        return fail(Error(Code::ShapeMismatch, "attention: rel_bias must be an uploaded [%d, %d] float32 table",
                          spec.num_buckets, spec.heads));
    }
    a.num_buckets = spec.num_buckets;
    a.max_distance = spec.max_distance;
    bool hopper = path_ != CudaPath::Portable && cc_ >= 90;
    if (wide) return wide_head_attention(a, o);
    if (!ok(cuda::attention(a, hopper, stream_))) return Tensor();
    return o;
  }

  // One wide head (the VAE's middle block, d = 384) is too wide for the fused kernel's
  // registers: S = q·kᵀ and O = P·V run as two tensor-core GEMMs around a row softmax.
  Tensor wide_head_attention(const cuda::AttnArgs& a, Tensor& o) {
    Tensor s = alloc(DType::F32, {a.nq, a.nk});
    Tensor p = alloc(DType::BF16, {a.nq, a.nk});
    Tensor vt = alloc(DType::BF16, {int64_t(a.head_dim), a.nk});
    if (!s.defined() || !p.defined() || !vt.defined()) return Tensor();
    cuda::GemmArgs g;
    g.x = a.q; g.w = a.k; g.M = a.nq; g.N = a.nk; g.K = a.head_dim; g.y = s.data(); g.yt = DType::F32;
    if (!run_gemm(g)) return Tensor();
    if (!ok(cuda::softmax_rows(s.data_as<float>(), p.data_as<__nv_bfloat16>(), a.nq, a.nk, a.scale, stream_)))
      return Tensor();
    const int64_t vshape[2] = {a.nk, a.head_dim};
    const int perm[2] = {1, 0};
    if (!ok(cuda::permute(a.v, vt.data(), 2, vshape, perm, 2, stream_))) return Tensor();
    cuda::GemmArgs g2;
    g2.x = p.data_as<__nv_bfloat16>(); g2.w = vt.data_as<__nv_bfloat16>();
    g2.M = a.nq; g2.N = a.head_dim; g2.K = a.nk; g2.y = o.data(); g2.yt = DType::BF16;
    if (!run_gemm(g2)) return Tensor();
    return o;
  }

  // ---------------------------------------------------------------- elementwise
  Tensor unary(const Tensor& x, Act act) override {
    auto prof = profiler_->scope("unary");
    if (!check_inputs({&x}, "unary")) return Tensor();
    Tensor y = alloc(x.dtype(), x.shape());
    if (!y.defined() || !ok(cuda::unary(x.data(), x.dtype(), y.data(), y.dtype(), x.numel(), act, stream_))) return Tensor();
    return y;
  }
  Tensor binop(const Tensor& a, const Tensor& b, cuda::BinaryOp op, const char* name) {
    if (!check_inputs({&a, &b}, name)) return Tensor();
    if (a.numel() != b.numel())
      return fail(Error(Code::ShapeMismatch, "%s: %s vs %s", name, shape_str(a.shape()).c_str(), shape_str(b.shape()).c_str()));
    DType out = (a.dtype() == DType::F32 || b.dtype() == DType::F32) ? DType::F32 : DType::BF16;
    Tensor y = alloc(out, a.shape());
    if (!y.defined() || !ok(cuda::binary(a.data(), a.dtype(), b.data(), b.dtype(), y.data(), out, a.numel(), op, stream_)))
      return Tensor();
    return y;
  }
  Tensor add(const Tensor& a, const Tensor& b) override {
    auto prof = profiler_->scope("add"); return binop(a, b, cuda::BinaryOp::Add, "add"); }
  Tensor mul(const Tensor& a, const Tensor& b) override {
    auto prof = profiler_->scope("mul"); return binop(a, b, cuda::BinaryOp::Mul, "mul"); }

  void add_gated_(Tensor& res, const Tensor& y, const Tensor* gate) override {
    auto prof = profiler_->scope("add_gated");
    if (!check_inputs({&res, &y}, "add_gated")) return;
    int64_t cols = res.dim(-1), rows = res.numel() / (cols ? cols : 1);
    if (y.numel() != res.numel()) {
      ok(Error(Code::ShapeMismatch, "add_gated: %s vs %s", shape_str(res.shape()).c_str(), shape_str(y.shape()).c_str()));
      return;
    }
    if (!is_vector(gate, cols, "add_gated gate")) return;
    res = as_f32(res);
    if (!res.defined()) return;
    ok(cuda::add_gated(res.data_as<float>(), y.data(), y.dtype(), gate ? gate->data_as<float>() : nullptr, rows, cols, stream_));
  }

  Tensor clamp(const Tensor& x, float lo, float hi) override {
    auto prof = profiler_->scope("clamp");
    if (!check_inputs({&x}, "clamp")) return Tensor();
    Tensor y = alloc(x.dtype(), x.shape());
    if (!y.defined() || !ok(cuda::clamp(x.data(), x.dtype(), y.data(), y.dtype(), x.numel(), lo, hi, stream_))) return Tensor();
    return y;
  }

  // ---------------------------------------------------------------- data movement
  Tensor embedding(const Tensor& table, const std::vector<int32_t>& ids) override {
    auto prof = profiler_->scope("embedding");
    if (!check_inputs({&table}, "embedding")) return Tensor();
    if (table.ndim() != 2) return fail(Error(Code::ShapeMismatch, "embedding: table must be 2-D"));
    for (int32_t id : ids)
      if (id < 0 || id >= table.dim(0))
        return fail(Error(Code::InvalidArgument, "embedding: token id %d outside the vocabulary of %lld", id, (long long)table.dim(0)));
    Tensor dev_ids = copy_in(ids.data(), DType::I32, {int64_t(ids.size())});
    Tensor y = alloc(DType::F32, {int64_t(ids.size()), table.dim(1)});
    if (!dev_ids.defined() || !y.defined()) return Tensor();
    if (!ok(cuda::embedding(table.data(), table.dtype(), dev_ids.data_as<int32_t>(), int64_t(ids.size()), table.dim(1),
                            y.data_as<float>(), stream_)))
      return Tensor();
    return y;
  }

  Tensor permute(const Tensor& x, const std::vector<int>& perm) override {
    auto prof = profiler_->scope("permute");
    if (!check_inputs({&x}, "permute")) return Tensor();
    if (int(perm.size()) != x.ndim()) return fail(Error(Code::InvalidArgument, "permute: %zu axes for a %d-D tensor", perm.size(), x.ndim()));
    std::vector<bool> seen(perm.size(), false);
    Shape out;
    for (int p : perm) {
      if (p < 0 || p >= x.ndim() || seen[p]) return fail(Error(Code::InvalidArgument, "permute: invalid axis order"));
      seen[p] = true;
      out.push_back(x.dim(p));
    }
    Tensor y = alloc(x.dtype(), out);
    if (!y.defined() || !ok(cuda::permute(x.data(), y.data(), dtype_size(x.dtype()), x.shape().data(), perm.data(), x.ndim(), stream_)))
      return Tensor();
    return y;
  }

  Tensor concat(const std::vector<Tensor>& parts, int dim) override {
    auto prof = profiler_->scope("concat");
    if (parts.empty()) return fail(Error(Code::InvalidArgument, "concat: no inputs"));
    for (const auto& p : parts)
      if (!check_inputs({&p}, "concat")) return Tensor();
    const Tensor& f = parts[0];
    if (dim < 0) dim += f.ndim();
    Shape out = f.shape();
    out[dim] = 0;
    for (const auto& p : parts) {
      if (p.ndim() != f.ndim() || p.dtype() != f.dtype())
        return fail(Error(Code::ShapeMismatch, "concat: inputs differ in rank or dtype"));
      for (int d = 0; d < f.ndim(); ++d)
        if (d != dim && p.dim(d) != f.dim(d))
          return fail(Error(Code::ShapeMismatch, "concat: %s vs %s", shape_str(p.shape()).c_str(), shape_str(f.shape()).c_str()));
      out[dim] += p.dim(dim);
    }
    Tensor y = alloc(f.dtype(), out);
    if (!y.defined()) return y;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < dim; ++d) outer *= out[d];
    for (int d = dim + 1; d < f.ndim(); ++d) inner *= out[d];
    int64_t offset = 0;
    for (const auto& p : parts) {
      int64_t span = p.dim(dim) * inner;
      if (!ok(cuda::copy_block(p.data(), y.data(), dtype_size(f.dtype()), outer, span, span, out[dim] * inner, offset, stream_)))
        return Tensor();
      offset += span;
    }
    return y;
  }

  Tensor slice(const Tensor& x, int dim, int64_t begin, int64_t end) override {
    auto prof = profiler_->scope("slice");
    if (!check_inputs({&x}, "slice")) return Tensor();
    if (dim < 0) dim += x.ndim();
    if (dim < 0 || dim >= x.ndim() || begin < 0 || end < begin || end > x.dim(dim))
      return fail(Error(Code::InvalidArgument, "slice: [%lld, %lld) of axis %d of %s", (long long)begin, (long long)end, dim,
                        shape_str(x.shape()).c_str()));
    Shape out = x.shape();
    out[dim] = end - begin;
    Tensor y = alloc(x.dtype(), out);
    if (!y.defined()) return y;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < dim; ++d) outer *= x.dim(d);
    for (int d = dim + 1; d < x.ndim(); ++d) inner *= x.dim(d);
    size_t es = dtype_size(x.dtype());
    const char* src = static_cast<const char*>(x.data()) + begin * inner * es;
    if (!ok(cuda::copy_block(src, y.data(), es, outer, (end - begin) * inner, x.dim(dim) * inner, (end - begin) * inner, 0, stream_)))
      return Tensor();
    return y;
  }

  // ---------------------------------------------------------------- VAE
  Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor* b, const Conv3dSpec& spec) override {
    return conv3d_prefixed(nullptr, x, w, b, spec);
  }

  // The prefix frames (causal cache) and x are written one after the other into the
  // channels-last operand, so their concatenation is never materialised.
  Tensor conv3d_prefixed(const Tensor* prefix, const Tensor& x, const Tensor& w, const Tensor* b,
                         const Conv3dSpec& spec) override {
    auto prof = profiler_->scope("conv3d");
    if (!check_inputs({&x, &w}, "conv3d")) return Tensor();
    if (prefix && (!check_inputs({prefix}, "conv3d") || prefix->ndim() != 4 || x.ndim() != 4 ||
                   prefix->dim(0) != x.dim(0) || prefix->dim(2) != x.dim(2) || prefix->dim(3) != x.dim(3)))
      return fail(Error(Code::ShapeMismatch, "conv3d: cached frames do not match the input"));
    if (!packed_convs_.count(w.data()))
      return fail(Error(Code::InvalidArgument, "conv3d: weight must come from upload(..., WeightKind::Conv)"));
    if (x.ndim() != 4 || w.ndim() != 5 || x.dim(0) != w.dim(1))
      return fail(Error(Code::ShapeMismatch, "conv3d: input %s, weight %s", shape_str(x.shape()).c_str(), shape_str(w.shape()).c_str()));
    cuda::ConvArgs a;
    const int64_t t_prefix = prefix ? prefix->dim(1) : 0;
    a.cin = int(x.dim(0)); a.cout = int(w.dim(0));
    a.t = int(x.dim(1) + t_prefix); a.h = int(x.dim(2)); a.w_ = int(x.dim(3));
    a.kt = int(w.dim(2)); a.kh = int(w.dim(3)); a.kw = int(w.dim(4));
    a.st = spec.stride[0]; a.sh = spec.stride[1]; a.sw = spec.stride[2];
    a.pt0 = spec.pad[0][0]; a.ph0 = spec.pad[1][0]; a.pw0 = spec.pad[2][0];
    auto out_len = [](int n, int p0, int p1, int k, int s) { return (n + p0 + p1 - k) / s + 1; };
    a.to = out_len(a.t, spec.pad[0][0], spec.pad[0][1], a.kt, a.st);
    a.ho = out_len(a.h, spec.pad[1][0], spec.pad[1][1], a.kh, a.sh);
    a.wo = out_len(a.w_, spec.pad[2][0], spec.pad[2][1], a.kw, a.sw);
    if (a.to <= 0 || a.ho <= 0 || a.wo <= 0)
      return fail(Error(Code::ShapeMismatch, "conv3d: empty output for input %s", shape_str(x.shape()).c_str()));
    if (!is_vector(b, a.cout, "conv3d bias")) return Tensor();
    int64_t cp = (a.cin + 7) / 8 * 8, positions = int64_t(a.t) * a.h * a.w_;
    Tensor xc = alloc(DType::BF16, {positions, cp});
    Tensor y = alloc(DType::F32, {a.cout, a.to, a.ho, a.wo});
    if (!xc.defined() || !y.defined()) return Tensor();
    const int64_t prefix_positions = t_prefix * a.h * a.w_;
    if (prefix && !ok(cuda::to_channels_last(prefix->data(), prefix->dtype(), xc.data_as<__nv_bfloat16>(), a.cin, cp,
                                             prefix_positions, stream_)))
      return Tensor();
    if (!ok(cuda::to_channels_last(x.data(), x.dtype(), xc.data_as<__nv_bfloat16>() + prefix_positions * cp, a.cin, cp,
                                   positions - prefix_positions, stream_)))
      return Tensor();
    a.x = xc.data_as<__nv_bfloat16>();
    a.w = w.data_as<__nv_bfloat16>();
    a.bias = b ? b->data_as<float>() : nullptr;
    a.y = y.data_as<float>();
    if (!ok(cuda::conv3d(a, stream_))) return Tensor();
    return y;
  }

  Tensor upsample2x(const Tensor& x) override {
    auto prof = profiler_->scope("upsample2x");
    if (!check_inputs({&x}, "upsample2x")) return Tensor();
    if (x.ndim() != 4) return fail(Error(Code::ShapeMismatch, "upsample2x: expects [C, T, H, W]"));
    Tensor y = alloc(x.dtype(), {x.dim(0), x.dim(1), 2 * x.dim(2), 2 * x.dim(3)});
    if (!y.defined() || !ok(cuda::upsample2x(x.data(), x.dtype(), y.data(), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), stream_)))
      return Tensor();
    return y;
  }

 private:
  int device_;
  CudaPath path_;
  cudaStream_t stream_;
  int cc_;
  std::shared_ptr<MemoryPool> pool_;
  cuda::HostStager stager_;  // host-to-device copies through pinned buffers
  std::shared_ptr<void> slab_;  // the weight slab being filled (alloc_weight)
  size_t slab_used_ = 0;
  std::set<const void*> packed_convs_;
  std::map<std::vector<int>, RopeTables> rope_cache_;
  std::map<std::vector<int>, Tensor> pattern_cache_;
  std::unique_ptr<cuda::OpProfiler> profiler_;
};

}  // namespace

CudaProbe cuda_probe(int device) {
  CudaProbe p;
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    p.reason = std::string("no usable CUDA driver: ") + cudaGetErrorString(e);
    return p;
  }
  if (count == 0) { p.reason = "no CUDA device found"; return p; }
  if (device < 0 || device >= count) {
    p.reason = "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) + " found)";
    return p;
  }
  cudaDeviceProp prop{};
  if ((e = cudaGetDeviceProperties(&prop, device)) != cudaSuccess) {
    p.reason = std::string("cannot query the GPU: ") + cudaGetErrorString(e);
    return p;
  }
  p.name = prop.name;
  p.compute_capability = prop.major * 10 + prop.minor;
  p.total_memory = prop.totalGlobalMem;
  if (p.compute_capability < 80) {
    p.reason = p.name + " has compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) +
               "; the engine needs 8.0 or newer (RTX 30 series, A100 and later)";
    return p;
  }
  size_t fr = 0, tot = 0;
  cudaSetDevice(device);
  if (cudaMemGetInfo(&fr, &tot) == cudaSuccess) p.free_memory = fr;
  p.usable = true;
  return p;
}

StatusOr<std::unique_ptr<Backend>> make_cuda_backend(int device, CudaPath path, DeviceDescription* desc) {
  CudaProbe probe = cuda_probe(device);
  if (!probe.usable) return Error(Code::Backend, "%s", probe.reason.c_str());
  if (desc) {
    desc->name = probe.name;
    desc->compute_capability = probe.compute_capability;
  }
  cudaStream_t stream = nullptr;
  TSR_RETURN_IF_ERROR(cuda::cuda_status(cudaSetDevice(device), "cudaSetDevice"));
  TSR_RETURN_IF_ERROR(cuda::cuda_status(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate"));
  return std::unique_ptr<Backend>(new CudaBackend(device, path, stream, probe.compute_capability));
}

}  // namespace tsr
