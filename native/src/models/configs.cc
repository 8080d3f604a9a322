// Parsing of the official constructor arguments and of the Diffusers / HF config names.
// Unknown fields are ignored (configs carry _class_name, _diffusers_version, ...); known
// fields of the wrong type and values the engine cannot run are rejected with the field name.
#include "models/configs.h"

#include <cmath>
#include <string>
#include <type_traits>

#include "core/json.h"

namespace tsr {
namespace {

// Reads typed fields of one JSON object, remembering the first problem.
class FieldReader {
 public:
  FieldReader(const Json& obj, const char* component) : obj_(obj), component_(component) {}

  bool has(const char* key) const {
    const Json* v = obj_.find(key);
    return v && !v->is_null();
  }

  // Integer field; absent or null keeps `def`.
  int integer(const char* key, int def) {
    const Json* v = obj_.find(key);
    if (!v || v->is_null()) return def;
    if (!v->is_number() || !std::isfinite(v->number()) || v->number() != std::floor(v->number()) ||
        std::fabs(v->number()) > 2147483647.0) {
      fail(Error(Code::InvalidArgument, "%s config: '%s' must be an integer", component_, key));
      return def;
    }
    return int(v->number());
  }

  double number(const char* key, double def) {
    const Json* v = obj_.find(key);
    if (!v || v->is_null()) return def;
    if (!v->is_number() || !std::isfinite(v->number())) {
      fail(Error(Code::InvalidArgument, "%s config: '%s' must be a finite number", component_, key));
      return def;
    }
    return v->number();
  }

  bool boolean(const char* key, bool def) {
    const Json* v = obj_.find(key);
    if (!v || v->is_null()) return def;
    if (!v->is_bool()) {
      fail(Error(Code::InvalidArgument, "%s config: '%s' must be true or false", component_, key));
      return def;
    }
    return v->boolean();
  }

  std::string string(const char* key, const std::string& def) {
    const Json* v = obj_.find(key);
    if (!v || v->is_null()) return def;
    if (!v->is_string()) {
      fail(Error(Code::InvalidArgument, "%s config: '%s' must be a string", component_, key));
      return def;
    }
    return v->str();
  }

  // Fixed-length array of integers (or booleans when `bools`); absent keeps `out`.
  template <class T>
  void array(const char* key, T* out, int n) {
    const Json* v = obj_.find(key);
    if (!v || v->is_null()) return;
    if (!v->is_array() || int(v->items().size()) != n) {
      fail(Error(Code::InvalidArgument, "%s config: '%s' must be a list of %d entries", component_,
                 key, n));
      return;
    }
    for (int i = 0; i < n; ++i) {
      const Json& e = v->items()[i];
      if constexpr (std::is_same_v<T, bool>) {
        if (!e.is_bool()) {
          fail(Error(Code::InvalidArgument, "%s config: '%s' must hold true/false entries",
                     component_, key));
          return;
        }
        out[i] = e.boolean();
      } else {
        if (!e.is_number() || e.number() != std::floor(e.number()) || std::fabs(e.number()) > 1e9) {
          fail(Error(Code::InvalidArgument, "%s config: '%s' must hold integers", component_, key));
          return;
        }
        out[i] = T(e.number());
      }
    }
  }

  // Float list of any length; absent leaves `out` empty.
  void floats(const char* key, std::vector<float>& out) {
    const Json* v = obj_.find(key);
    if (!v || v->is_null()) return;
    if (!v->is_array()) {
      fail(Error(Code::InvalidArgument, "%s config: '%s' must be a list of numbers", component_, key));
      return;
    }
    for (const Json& e : v->items()) {
      if (!e.is_number() || !std::isfinite(e.number())) {
        fail(Error(Code::InvalidArgument, "%s config: '%s' must hold finite numbers", component_, key));
        out.clear();
        return;
      }
      out.push_back(float(e.number()));
    }
  }

  // A value the engine requires within [lo, hi].
  void range(const char* key, int value, int lo, int hi) {
    if (value < lo || value > hi)
      fail(Error(Code::InvalidArgument, "%s config: '%s' = %d is outside [%d, %d]", component_, key,
                 value, lo, hi));
  }

  void fail(Status st) {
    if (status_.ok()) status_ = std::move(st);
  }
  const Status& status() const { return status_; }

 private:
  const Json& obj_;
  const char* component_;
  Status status_;
};

StatusOr<Json> parse_object(const std::string& text, const char* component) {
  auto parsed = Json::parse(text);
  if (!parsed.ok()) return parsed.status().with_context(std::string(component) + " config");
  if (!parsed->is_object())
    return Error(Code::CorruptFile, "%s config: expected a JSON object", component);
  return std::move(parsed).value();
}

constexpr int kMaxWidth = 1 << 16;  // generous upper bound on any channel count
constexpr int kMaxLayers = 1024;

}  // namespace

StatusOr<DitConfig> DitConfig::from_json(const std::string& text) {
  TSR_ASSIGN_OR_RETURN(Json j, parse_object(text, "dit"));
  FieldReader r(j, "dit");
  DitConfig c;
  const bool diffusers = r.has("num_attention_heads") || r.has("attention_head_dim");
  if (diffusers) {
    // WanTransformer3DModel: dim = heads × head_dim; no text_len (the pipeline pads to 512).
    c.num_heads = r.integer("num_attention_heads", 12);
    int head_dim = r.integer("attention_head_dim", 128);
    r.range("num_attention_heads", c.num_heads, 1, 4096);
    r.range("attention_head_dim", head_dim, 1, kMaxWidth);
    if (r.status().ok()) c.dim = c.num_heads * head_dim;
    c.in_dim = r.integer("in_channels", c.in_dim);
    c.out_dim = r.integer("out_channels", c.out_dim);
    if (r.has("image_dim") || r.has("added_kv_proj_dim"))
      r.fail(Error(Code::Unsupported,
                   "dit config: image conditioning (image_dim / added_kv_proj_dim) is I2V; only "
                   "text-to-video models are supported"));
    std::string qk = r.string("qk_norm", "rms_norm_across_heads");
    if (qk != "rms_norm_across_heads")
      r.fail(Error(Code::Unsupported, "dit config: qk_norm '%s' (only rms_norm_across_heads)",
                   qk.c_str()));
  } else {
    c.dim = r.integer("dim", c.dim);
    c.num_heads = r.integer("num_heads", c.num_heads);
    c.in_dim = r.integer("in_dim", c.in_dim);
    c.out_dim = r.integer("out_dim", c.out_dim);
    c.text_len = r.integer("text_len", c.text_len);
    std::string type = r.string("model_type", "t2v");
    if (type != "t2v")
      r.fail(Error(Code::Unsupported, "dit config: model_type '%s' (only t2v is supported)",
                   type.c_str()));
    int window[2] = {-1, -1};
    r.array("window_size", window, 2);
    if (window[0] != -1 || window[1] != -1)
      r.fail(Error(Code::Unsupported, "dit config: window_size [%d, %d] (only global attention)",
                   window[0], window[1]));
    if (!r.boolean("qk_norm", true))
      r.fail(Error(Code::Unsupported, "dit config: qk_norm false is not supported"));
  }
  c.ffn_dim = r.integer("ffn_dim", c.ffn_dim);
  c.num_layers = r.integer("num_layers", c.num_layers);
  c.freq_dim = r.integer("freq_dim", c.freq_dim);
  c.text_dim = r.integer("text_dim", c.text_dim);
  r.array("patch_size", c.patch, 3);
  c.eps = float(r.number("eps", c.eps));
  if (!r.boolean("cross_attn_norm", true))
    r.fail(Error(Code::Unsupported, "dit config: cross_attn_norm false is not supported"));
  TSR_RETURN_IF_ERROR(r.status());

  TSR_RETURN_IF_ERROR(c.validate());
  return c;
}

StatusOr<T5Config> T5Config::from_json(const std::string& text) {
  TSR_ASSIGN_OR_RETURN(Json j, parse_object(text, "t5"));
  FieldReader r(j, "t5");
  T5Config c;
  if (r.has("d_model")) {
    // HF UMT5EncoderModel / T5EncoderModel config.
    c.vocab = r.integer("vocab_size", c.vocab);
    c.dim = r.integer("d_model", c.dim);
    c.num_heads = r.integer("num_heads", c.num_heads);
    int d_kv = r.integer("d_kv", 64);
    r.range("num_heads", c.num_heads, 1, 4096);
    r.range("d_kv", d_kv, 1, kMaxWidth);
    if (r.status().ok()) c.dim_attn = c.num_heads * d_kv;
    c.dim_ffn = r.integer("d_ff", c.dim_ffn);
    c.num_layers = r.integer("num_layers", c.num_layers);
    c.num_buckets = r.integer("relative_attention_num_buckets", c.num_buckets);
    c.max_distance = r.integer("relative_attention_max_distance", c.max_distance);
    std::string ffn = r.string("feed_forward_proj", "gated-gelu");
    if (ffn != "gated-gelu")
      r.fail(Error(Code::Unsupported, "t5 config: feed_forward_proj '%s' (only gated-gelu)",
                   ffn.c_str()));
    // Original T5 shares layer 0's bias table across layers; umT5 has one per layer.
    c.shared_pos = r.string("model_type", "umt5") == "t5";
  } else {
    c.vocab = r.integer("vocab", c.vocab);
    c.dim = r.integer("dim", c.dim);
    c.dim_attn = r.integer("dim_attn", c.dim_attn);
    c.dim_ffn = r.integer("dim_ffn", c.dim_ffn);
    c.num_heads = r.integer("num_heads", c.num_heads);
    c.num_layers = r.integer("num_layers", c.num_layers);
    c.num_buckets = r.integer("num_buckets", c.num_buckets);
    c.shared_pos = r.boolean("shared_pos", c.shared_pos);
  }
  TSR_RETURN_IF_ERROR(r.status());
  TSR_RETURN_IF_ERROR(c.validate());
  return c;
}

StatusOr<VaeConfig> VaeConfig::from_json(const std::string& text) {
  TSR_ASSIGN_OR_RETURN(Json j, parse_object(text, "vae"));
  FieldReader r(j, "vae");
  VaeConfig c;
  c.dim = r.has("base_dim") ? r.integer("base_dim", c.dim) : r.integer("dim", c.dim);
  c.z_dim = r.integer("z_dim", c.z_dim);
  r.array("dim_mult", c.dim_mult, 4);
  c.num_res_blocks = r.integer("num_res_blocks", c.num_res_blocks);
  r.array("temperal_downsample", c.temperal_downsample, 3);
  const Json* attn = j.find("attn_scales");
  if (attn && !(attn->is_array() && attn->items().empty()) && !attn->is_null())
    r.fail(Error(Code::Unsupported,
                 "vae config: attn_scales must be empty (Wan2.1 has no attention in the stages)"));
  if (r.boolean("is_residual", false) || r.has("patch_size"))
    r.fail(Error(Code::Unsupported, "vae config: this is a Wan2.2-style VAE; only Wan2.1's is supported"));
  if (r.has("decoder_base_dim") && r.integer("decoder_base_dim", c.dim) != c.dim)
    r.fail(Error(Code::Unsupported, "vae config: decoder_base_dim differs from base_dim"));
  if (r.integer("in_channels", 3) != 3 || r.integer("out_channels", 3) != 3)
    r.fail(Error(Code::Unsupported, "vae config: only 3-channel (RGB) video is supported"));
  r.floats("latents_mean", c.latents_mean);
  r.floats("latents_std", c.latents_std);
  TSR_RETURN_IF_ERROR(r.status());

  TSR_RETURN_IF_ERROR(c.validate());
  return c;
}

// ---------------------------------------------------------------- validation

namespace {

// Collects the first out-of-range value.
struct RangeCheck {
  const char* component;
  Status status;
  void operator()(const char* key, int64_t value, int64_t lo, int64_t hi) {
    if (status.ok() && (value < lo || value > hi))
      status = Error(Code::InvalidArgument, "%s config: '%s' = %lld is outside [%lld, %lld]",
                     component, key, (long long)value, (long long)lo, (long long)hi);
  }
};

}  // namespace

Status DitConfig::validate() const {
  RangeCheck range{"dit", {}};
  range("dim", dim, 1, kMaxWidth);
  range("num_heads", num_heads, 1, dim > 0 ? dim : 1);
  range("ffn_dim", ffn_dim, 1, 4 * kMaxWidth);
  range("num_layers", num_layers, 1, kMaxLayers);
  range("freq_dim", freq_dim, 2, kMaxWidth);
  range("text_dim", text_dim, 1, kMaxWidth);
  range("text_len", text_len, 1, 65536);
  range("in_dim", in_dim, 1, 4096);
  range("out_dim", out_dim, 1, 4096);
  for (int a = 0; a < 3; ++a) range("patch_size", patch[a], 1, 64);
  TSR_RETURN_IF_ERROR(range.status);
  if (!(eps > 0.0f)) return Error(Code::InvalidArgument, "dit config: eps must be positive");
  if (freq_dim % 2)
    return Error(Code::InvalidArgument, "dit config: freq_dim %d must be even (cos and sin halves)",
                 freq_dim);
  if (dim % num_heads)
    return Error(Code::InvalidArgument, "dit config: dim %d is not divisible by num_heads %d", dim,
                 num_heads);
  const int d = head_dim();
  if (d % 2 || d < 12)
    return Error(Code::InvalidArgument,
                 "dit config: head_dim %d (dim %d / num_heads %d) must be even and >= 12 so that "
                 "every RoPE axis gets dimensions",
                 d, dim, num_heads);
  return OkStatus();
}

Status T5Config::validate() const {
  RangeCheck range{"t5", {}};
  range("vocab", vocab, 1, 1 << 24);
  range("dim", dim, 1, kMaxWidth);
  range("dim_attn", dim_attn, 1, kMaxWidth);
  range("dim_ffn", dim_ffn, 1, 4 * kMaxWidth);
  range("num_heads", num_heads, 1, dim_attn > 0 ? dim_attn : 1);
  range("num_layers", num_layers, 1, kMaxLayers);
  range("num_buckets", num_buckets, 2, 1024);
  range("max_distance", max_distance, 2, 1 << 20);
  TSR_RETURN_IF_ERROR(range.status);
  if (num_buckets % 2)
    return Error(Code::InvalidArgument,
                 "t5 config: num_buckets %d must be even (bidirectional buckets)", num_buckets);
  if (dim_attn % num_heads)
    return Error(Code::InvalidArgument, "t5 config: dim_attn %d is not divisible by num_heads %d",
                 dim_attn, num_heads);
  return OkStatus();
}

Status VaeConfig::validate() const {
  RangeCheck range{"vae", {}};
  range("dim", dim, 1, kMaxWidth);
  range("z_dim", z_dim, 1, 4096);
  for (int i = 0; i < 4; ++i) range("dim_mult", dim_mult[i], 1, 64);
  range("num_res_blocks", num_res_blocks, 1, 64);
  TSR_RETURN_IF_ERROR(range.status);
  for (int i = 0; i < 4; ++i)
    if (int64_t(dim) * dim_mult[i] > kMaxWidth)
      return Error(Code::InvalidArgument, "vae config: dim x dim_mult[%d] = %lld channels is too many",
                   i, (long long)(int64_t(dim) * dim_mult[i]));
  auto check_stats = [&](const std::vector<float>& v, const char* key) -> Status {
    if (!v.empty() && int(v.size()) != z_dim)
      return Error(Code::InvalidArgument, "vae config: '%s' has %zu entries, z_dim is %d", key,
                   v.size(), z_dim);
    return OkStatus();
  };
  TSR_RETURN_IF_ERROR(check_stats(latents_mean, "latents_mean"));
  TSR_RETURN_IF_ERROR(check_stats(latents_std, "latents_std"));
  for (float s : latents_std)
    if (!(s > 0.0f)) return Error(Code::InvalidArgument, "vae config: latents_std must be positive");
  return OkStatus();
}

}  // namespace tsr
