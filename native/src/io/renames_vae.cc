// VAE: Diffusers AutoencoderKLWan names -> official WanVAE_ names (spec §5.6, §5.7).
#include <cstdlib>
#include <cstring>

#include "io/renames.h"

namespace tsr {

namespace {

struct Rule {
  const char* from;
  const char* to;
};

// Inside a residual block.
constexpr Rule kResidual[] = {
    {"norm1", "residual.0"}, {"conv1", "residual.2"}, {"norm2", "residual.3"},
    {"conv2", "residual.6"}, {"conv_shortcut", "shortcut"},
};

// Directly under encoder. / decoder.
constexpr Rule kCoder[] = {
    {"conv_in", "conv1"},
    {"norm_out", "head.0"},
    {"conv_out", "head.2"},
    {"mid_block.attentions.0", "middle.1"},
};

std::string rename_residual(const std::string& rest) {
  for (const Rule& r : kResidual)
    if (has_segment_prefix(rest, r.from)) return r.to + rest.substr(std::strlen(r.from));
  return rest;  // resample.1.*, time_conv.* keep their names
}

// Reads "<digits>." at `pos`; returns the number and moves `pos` past the dot, or -1.
long read_index(const std::string& s, size_t& pos) {
  size_t end = pos;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  if (end == pos || end >= s.size() || s[end] != '.' || end - pos > 6) return -1;
  long v = std::strtol(s.c_str() + pos, nullptr, 10);
  pos = end + 1;
  return v;
}

bool is_diffusers_vae(const std::vector<std::string>& keys) {
  for (const std::string& k : keys)
    if (has_segment_prefix(k, "quant_conv") || has_segment_prefix(k, "post_quant_conv") ||
        has_segment_prefix(k, "decoder.conv_in") || has_segment_prefix(k, "encoder.conv_in") ||
        k.find(".mid_block.") != std::string::npos || k.find(".up_blocks.") != std::string::npos ||
        k.find(".down_blocks.") != std::string::npos)
      return true;
  return false;
}

}  // namespace

std::map<std::string, std::string> vae_diffusers_to_official(const std::vector<std::string>& keys) {
  // The official decoder is one flat list: per up block its resnets, then its upsampler.
  std::map<long, long> resnets_in_block;  // up block -> number of resnets
  std::map<long, bool> has_upsampler;
  for (const std::string& k : keys) {
    const std::string p = "decoder.up_blocks.";
    if (k.compare(0, p.size(), p) != 0) continue;
    size_t pos = p.size();
    long b = read_index(k, pos);
    if (b < 0) continue;
    if (k.compare(pos, 8, "resnets.") == 0) {
      size_t q = pos + 8;
      long j = read_index(k, q);
      if (j >= 0) resnets_in_block[b] = std::max(resnets_in_block[b], j + 1);
    } else if (k.compare(pos, 12, "upsamplers.0") == 0) {
      has_upsampler[b] = true;
    }
  }
  std::map<long, long> first_index;  // up block -> official index of its first module
  long next = 0;
  long last_block = resnets_in_block.empty() ? -1 : resnets_in_block.rbegin()->first;
  if (!has_upsampler.empty()) last_block = std::max(last_block, has_upsampler.rbegin()->first);
  for (long b = 0; b <= last_block; ++b) {
    first_index[b] = next;
    next += resnets_in_block[b] + (has_upsampler[b] ? 1 : 0);
  }

  std::map<std::string, std::string> out;
  for (const std::string& k : keys) {
    std::string name = k;
    if (has_segment_prefix(k, "quant_conv")) {
      name = "conv1" + k.substr(10);
    } else if (has_segment_prefix(k, "post_quant_conv")) {
      name = "conv2" + k.substr(15);
    } else if (k.compare(0, 8, "encoder.") == 0 || k.compare(0, 8, "decoder.") == 0) {
      const std::string side = k.substr(0, 8), rest = k.substr(8);
      bool done = false;
      for (const Rule& r : kCoder)
        if (!done && has_segment_prefix(rest, r.from)) {
          name = side + r.to + rest.substr(std::strlen(r.from));
          done = true;
        }
      size_t pos = 0;
      if (!done && rest.compare(0, 18, "mid_block.resnets.") == 0) {
        pos = 18;
        long j = read_index(rest, pos);
        if (j == 0 || j == 1) name = side + "middle." + std::to_string(2 * j) + "." + rename_residual(rest.substr(pos));
      } else if (!done && side == "encoder." && rest.compare(0, 12, "down_blocks.") == 0) {
        pos = 12;
        long i = read_index(rest, pos);  // Diffusers keeps the encoder's flat list
        if (i >= 0) name = side + "downsamples." + std::to_string(i) + "." + rename_residual(rest.substr(pos));
      } else if (!done && side == "decoder." && rest.compare(0, 10, "up_blocks.") == 0) {
        pos = 10;
        long b = read_index(rest, pos);
        if (b >= 0 && rest.compare(pos, 8, "resnets.") == 0) {
          size_t q = pos + 8;
          long j = read_index(rest, q);
          if (j >= 0)
            name = side + "upsamples." + std::to_string(first_index[b] + j) + "." + rename_residual(rest.substr(q));
        } else if (b >= 0 && rest.compare(pos, 13, "upsamplers.0.") == 0) {
          name = side + "upsamples." + std::to_string(first_index[b] + resnets_in_block[b]) + "." + rest.substr(pos + 13);
        }
      }
    }
    out[k] = name;
  }
  return out;
}

std::shared_ptr<WeightStore> official_vae_store(std::shared_ptr<WeightStore> stored) {
  std::vector<std::string> keys = stored->keys();
  std::map<std::string, std::string> official_to_stored;
  if (is_diffusers_vae(keys)) {
    for (const auto& [from, to] : vae_diffusers_to_official(keys)) official_to_stored[to] = from;
  } else {
    for (const std::string& k : keys) official_to_stored[k] = k;
  }
  return renamed_store(std::move(stored), std::move(official_to_stored));
}

}  // namespace tsr
