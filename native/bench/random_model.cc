#include "random_model.h"

#include <cmath>
#include <mutex>
#include <string>

#include "core/threadpool.h"

namespace tsr::bench {
namespace {

class RandomStore final : public WeightStore {
 public:
  explicit RandomStore(uint64_t seed, DType dtype = DType::F32) : seed_(seed), dtype_(dtype) {}
  void add(const std::string& name, Shape shape) { shapes_[name] = std::move(shape); }

  std::vector<std::string> keys() const override {
    std::vector<std::string> k;
    for (auto& [n, s] : shapes_) k.push_back(n);
    return k;
  }
  bool has(const std::string& name) const override { return shapes_.count(name) > 0; }
  StatusOr<TensorInfo> info(const std::string& name) const override {
    auto it = shapes_.find(name);
    if (it == shapes_.end()) return Error(Code::MissingKey, "no tensor %s", name.c_str());
    return TensorInfo{dtype_, it->second};
  }
  // N(0, 1/fan_in) weights (norm gains near 1), so activations stay finite through depth.
  StatusOr<Tensor> get(const std::string& name) const override {
    auto it = shapes_.find(name);
    if (it == shapes_.end()) return Error(Code::MissingKey, "no tensor %s", name.c_str());
    const Shape& s = it->second;
    Tensor t = host_empty(DType::F32, s);
    if (!t.defined()) return Error(Code::OutOfMemory, "random weights: %s", shape_str(s).c_str());
    int64_t fan_in = s.size() >= 2 ? t.numel() / s[0] : 1;
    bool gain = name.find("norm") != std::string::npos || name.find("gamma") != std::string::npos;
    float scale = gain ? 0.1f : 1.0f / std::sqrt(float(fan_in));
    float* p = t.data_as<float>();
    uint64_t h = seed_;
    for (char c : name) h = h * 1099511628211ull ^ uint8_t(c);
    default_pool().parallel_for(t.numel(), 1 << 16, [&](int64_t b, int64_t e) {
      uint64_t x = h ^ (uint64_t(b) * 0x9E3779B97F4A7C15ull) ^ 0xD1B54A32D192ED03ull;
      for (int64_t i = b; i < e; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        // Sum of two uniforms: cheap, zero mean, unit-ish variance.
        float u = float((x >> 40) * (1.0 / 16777216.0)) + float((x & 0xFFFFFF) * (1.0 / 16777216.0)) - 1.0f;
        p[i] = (gain ? 1.0f : 0.0f) + u * 2.45f * scale;
      }
    });
    if (dtype_ == DType::F32) return t;
    Tensor stored = host_empty(dtype_, s);  // like the real file (umT5-XXL ships in bf16)
    default_pool().parallel_for(t.numel(), 1 << 16, [&](int64_t b, int64_t e) {
      convert_from_f32(p + b, static_cast<uint16_t*>(stored.data()) + b, dtype_, size_t(e - b));
    });
    return stored;
  }
  const std::map<std::string, std::string>& metadata() const override { return meta_; }

 private:
  uint64_t seed_;
  DType dtype_;
  std::map<std::string, Shape> shapes_;
  std::map<std::string, std::string> meta_;
};

class MemoizedStore final : public WeightStore {
 public:
  explicit MemoizedStore(std::shared_ptr<WeightStore> inner) : inner_(std::move(inner)) {}
  std::vector<std::string> keys() const override { return inner_->keys(); }
  bool has(const std::string& name) const override { return inner_->has(name); }
  StatusOr<TensorInfo> info(const std::string& name) const override { return inner_->info(name); }
  StatusOr<Tensor> get(const std::string& name) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = kept_.find(name);
    if (it != kept_.end()) return it->second;
    TSR_ASSIGN_OR_RETURN(Tensor t, inner_->get(name));
    kept_[name] = t;
    return t;
  }
  const std::map<std::string, std::string>& metadata() const override { return inner_->metadata(); }

 private:
  std::shared_ptr<WeightStore> inner_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Tensor> kept_;
};

}  // namespace

std::shared_ptr<WeightStore> memoized_store(std::shared_ptr<WeightStore> inner) {
  return std::make_shared<MemoizedStore>(std::move(inner));
}

std::shared_ptr<WeightStore> random_dit_weights(const DitConfig& c, uint64_t seed) {
  auto s = std::make_shared<RandomStore>(seed);
  int64_t D = c.dim, F = c.ffn_dim;
  auto lin = [&](const std::string& n, int64_t out, int64_t in) {
    s->add(n + ".weight", {out, in});
    s->add(n + ".bias", {out});
  };
  s->add("patch_embedding.weight", {D, c.in_dim, c.patch[0], c.patch[1], c.patch[2]});
  s->add("patch_embedding.bias", {D});
  lin("text_embedding.0", D, c.text_dim);
  lin("text_embedding.2", D, D);
  lin("time_embedding.0", D, c.freq_dim);
  lin("time_embedding.2", D, D);
  lin("time_projection.1", 6 * D, D);
  for (int i = 0; i < c.num_layers; ++i) {
    std::string p = "blocks." + std::to_string(i);
    s->add(p + ".modulation", {1, 6, D});
    for (const char* a : {".self_attn", ".cross_attn"}) {
      for (const char* m : {".q", ".k", ".v", ".o"}) lin(p + a + m, D, D);
      s->add(p + a + ".norm_q.weight", {D});
      s->add(p + a + ".norm_k.weight", {D});
    }
    s->add(p + ".norm3.weight", {D});
    s->add(p + ".norm3.bias", {D});
    lin(p + ".ffn.0", F, D);
    lin(p + ".ffn.2", D, F);
  }
  s->add("head.modulation", {1, 2, D});
  lin("head.head", int64_t(c.out_dim) * c.patch[0] * c.patch[1] * c.patch[2], D);
  return s;
}

std::shared_ptr<WeightStore> random_t5_weights(const T5Config& c, uint64_t seed) {
  auto s = std::make_shared<RandomStore>(seed, DType::BF16);
  s->add("token_embedding.weight", {c.vocab, c.dim});
  for (int l = 0; l < c.num_layers; ++l) {
    std::string p = "blocks." + std::to_string(l);
    s->add(p + ".norm1.weight", {c.dim});
    for (const char* m : {".attn.q", ".attn.k", ".attn.v"}) s->add(p + m + ".weight", {c.dim_attn, c.dim});
    s->add(p + ".attn.o.weight", {c.dim, c.dim_attn});
    s->add(p + ".pos_embedding.embedding.weight", {c.num_buckets, c.num_heads});
    s->add(p + ".norm2.weight", {c.dim});
    s->add(p + ".ffn.gate.0.weight", {c.dim_ffn, c.dim});
    s->add(p + ".ffn.fc1.weight", {c.dim_ffn, c.dim});
    s->add(p + ".ffn.fc2.weight", {c.dim, c.dim_ffn});
  }
  s->add("norm.weight", {c.dim});
  return s;
}

std::shared_ptr<WeightStore> random_vae_decoder_weights(const VaeConfig& c, uint64_t seed) {
  auto s = std::make_shared<RandomStore>(seed);
  auto conv = [&](const std::string& n, int64_t out, int64_t in, Shape k) {
    Shape shape = {out, in};
    shape.insert(shape.end(), k.begin(), k.end());
    s->add(n + ".weight", shape);
    s->add(n + ".bias", {out});
  };
  auto res = [&](const std::string& p, int64_t in, int64_t out) {
    s->add(p + ".residual.0.gamma", {in, 1, 1, 1});
    conv(p + ".residual.2", out, in, {3, 3, 3});
    s->add(p + ".residual.3.gamma", {out, 1, 1, 1});
    conv(p + ".residual.6", out, out, {3, 3, 3});
    if (in != out) conv(p + ".shortcut", out, in, {1, 1, 1});
  };
  const int64_t z = c.z_dim;
  int64_t dims[5];
  // Decoder channel plan (spec §5.4): dim * dim_mult reversed, starting from the deepest.
  for (int i = 0; i < 4; ++i) dims[i] = int64_t(c.dim) * c.dim_mult[3 - i];
  dims[4] = dims[3];
  conv("conv2", z, z, {1, 1, 1});
  conv("decoder.conv1", dims[0], z, {3, 3, 3});
  res("decoder.middle.0", dims[0], dims[0]);
  s->add("decoder.middle.1.norm.gamma", {dims[0], 1, 1});
  conv("decoder.middle.1.to_qkv", 3 * dims[0], dims[0], {1, 1});
  conv("decoder.middle.1.proj", dims[0], dims[0], {1, 1});
  res("decoder.middle.2", dims[0], dims[0]);
  // Up stages: after stage i (i = 1..3) the input channels are halved (reference quirk).
  int idx = 0;
  int64_t in = dims[0];
  const bool temporal_up[3] = {c.temperal_downsample[2], c.temperal_downsample[1], c.temperal_downsample[0]};
  for (int stage = 0; stage < 4; ++stage) {
    int64_t out = dims[stage];
    if (stage == 1 || stage == 2 || stage == 3) in = in / 2;
    for (int r = 0; r < c.num_res_blocks + 1; ++r) {
      res("decoder.upsamples." + std::to_string(idx++), in, out);
      in = out;
    }
    if (stage < 3) {
      std::string p = "decoder.upsamples." + std::to_string(idx++);
      conv(p + ".resample.1", out / 2, out, {3, 3});
      if (temporal_up[stage]) conv(p + ".time_conv", 2 * out, out, {3, 1, 1});
    }
  }
  s->add("decoder.head.0.gamma", {dims[3], 1, 1, 1});
  conv("decoder.head.2", 3, dims[3], {3, 3, 3});
  return s;
}

Tensor random_host(const Shape& shape, uint64_t seed, float scale) {
  Tensor t = host_empty(DType::F32, shape);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  float* p = t.data_as<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    p[i] = (float((x >> 40) * (1.0 / 16777216.0)) - 0.5f) * 2.0f * scale;
  }
  return t;
}

}  // namespace tsr::bench
