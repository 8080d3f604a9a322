// tessera_generate MODEL_DIR --ids 5,17,42,1 [options]
//
// Headless generation through the C API for machines without Node (GPU servers, benchmarks).
// Text enters as token ids (the tokenizer lives in JavaScript); every other setting defaults to
// the model's tessera.json defaults, then to Wan2.1's (832x480, 81 frames, 50 steps, g 5,
// shift 5). Prints progress and timings; --out writes raw RGB24 frames (the command to turn them
// into an MP4 is printed).
//
//   --neg-ids IDS          negative prompt ids (default: the empty prompt)
//   --size WxH --frames N --steps N --guidance G --shift S --seed N
//   --sampler unipc|euler|fewstep   --timesteps 1000,757,522
//   --sta T,H,W [--dense-steps K] [--tile T,H,W]   STA on every layer/head after K dense steps
//   --backend auto|cpu|cuda  --portable  --threads N
//   --repeat N             run N times and print the median seconds per stage
//   --estimate             only print the memory estimate
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tessera.h"

namespace {

std::vector<int32_t> parse_ints(const char* s) {
  std::vector<int32_t> out;
  while (*s) {
    char* end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (end == s) break;
    out.push_back(int32_t(v));
    s = *end == ',' ? end + 1 : end;
  }
  return out;
}

void on_progress(const tsr_progress* p, void*) {
  static const char* names[] = {"text", "denoise", "decode"};
  std::fprintf(stderr, "\r%-8s %3d/%-3d  %.3f s/step  %.1f s  %.0f MiB   ", names[p->stage], p->step, p->total,
               p->seconds_per_step, p->elapsed_seconds, double(p->device_bytes_in_use) / (1 << 20));
  if (p->stage == TSR_STAGE_DECODE && p->step == p->total) std::fprintf(stderr, "\n");
}

int fail(const char* what, const tsr_error& err) {
  std::fprintf(stderr, "\ntessera_generate: %s: %s: %s\n", what, tsr_code_name(err.code), err.message);
  return 1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: tessera_generate MODEL_DIR --ids 5,17,1 [options] (see the source header)\n");
    return 2;
  }
  const char* dir = argv[1];
  tsr_engine_options eo{};
  eo.struct_size = sizeof eo;
  eo.backend = TSR_BACKEND_AUTO;
  std::vector<int32_t> ids, neg, timesteps;
  int width = 0, height = 0, frames = 0, steps = 0, repeat = 1, dense_steps = 0;
  float guidance = -1, shift = -1;
  uint64_t seed = 0;
  int sampler = -1;
  std::vector<int32_t> sta, tile;
  const char* out_path = nullptr;
  bool estimate_only = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tessera_generate: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--ids") ids = parse_ints(next());
    else if (a == "--neg-ids") neg = parse_ints(next());
    else if (a == "--size") std::sscanf(next(), "%dx%d", &width, &height);
    else if (a == "--frames") frames = std::atoi(next());
    else if (a == "--steps") steps = std::atoi(next());
    else if (a == "--guidance") guidance = float(std::atof(next()));
    else if (a == "--shift") shift = float(std::atof(next()));
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--timesteps") timesteps = parse_ints(next());
    else if (a == "--sta") sta = parse_ints(next());
    else if (a == "--tile") tile = parse_ints(next());
    else if (a == "--dense-steps") dense_steps = std::atoi(next());
    else if (a == "--repeat") repeat = std::max(1, std::atoi(next()));
    else if (a == "--out") out_path = next();
    else if (a == "--estimate") estimate_only = true;
    else if (a == "--portable") eo.cuda_path = TSR_CUDA_PATH_PORTABLE;
    else if (a == "--threads") eo.num_threads = std::atoi(next());
    else if (a == "--sampler") {
      std::string s = next();
      sampler = s == "unipc" ? TSR_SAMPLER_UNIPC : s == "euler" ? TSR_SAMPLER_EULER : s == "fewstep" ? TSR_SAMPLER_FEWSTEP : -2;
      if (sampler == -2) return std::fprintf(stderr, "unknown sampler %s\n", s.c_str()), 2;
    } else if (a == "--backend") {
      std::string b = next();
      eo.backend = b == "cpu" ? TSR_BACKEND_CPU : b == "cuda" ? TSR_BACKEND_CUDA : TSR_BACKEND_AUTO;
    } else {
      std::fprintf(stderr, "tessera_generate: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (ids.empty()) {
    std::fprintf(stderr, "tessera_generate: --ids is required (prompt token ids ending with EOS = 1)\n");
    return 2;
  }
  if ((!sta.empty() && sta.size() != 3) || (!tile.empty() && tile.size() != 3)) {
    std::fprintf(stderr, "tessera_generate: --sta and --tile take three numbers\n");
    return 2;
  }

  tsr_error err{};
  tsr_engine* engine = nullptr;
  if (tsr_engine_create(&eo, &engine, &err) != TSR_OK) return fail("engine", err);
  tsr_engine_info ei{};
  tsr_engine_get_info(engine, &ei, &err);
  std::fprintf(stderr, "backend %s (%s)%s%s\n", ei.backend, ei.device_name, ei.fallback_reason[0] ? ", fell back: " : "",
               ei.fallback_reason);
  tsr_model* model = nullptr;
  if (tsr_model_load(engine, dir, nullptr, &model, &err) != TSR_OK) return fail("loading the model", err);
  tsr_model_info mi{};
  tsr_model_get_info(model, &mi, &err);

  tsr_generate_params p{};
  p.struct_size = sizeof p;
  p.prompt_ids = ids.data();
  p.prompt_len = int(ids.size());
  p.negative_ids = neg.empty() ? nullptr : neg.data();
  p.negative_len = int(neg.size());
  p.width = width ? width : (mi.default_width ? mi.default_width : 832);
  p.height = height ? height : (mi.default_height ? mi.default_height : 480);
  p.frames = frames ? frames : (mi.default_frames ? mi.default_frames : 81);
  p.steps = steps ? steps : (mi.default_steps ? mi.default_steps : 50);
  p.guidance = guidance >= 0 ? guidance : (mi.default_guidance > 0 ? mi.default_guidance : 5.0f);
  p.shift = shift > 0 ? shift : (mi.default_shift > 0 ? mi.default_shift : 5.0f);
  p.seed = seed;
  std::string ds = mi.default_sampler;
  p.sampler = sampler >= 0 ? tsr_sampler(sampler)
              : ds == "euler" ? TSR_SAMPLER_EULER
              : ds == "fewstep" ? TSR_SAMPLER_FEWSTEP
                                : TSR_SAMPLER_UNIPC;
  if (timesteps.empty() && p.sampler == TSR_SAMPLER_FEWSTEP)
    timesteps.assign(mi.default_timesteps, mi.default_timesteps + mi.num_default_timesteps);
  p.timesteps = timesteps.empty() ? nullptr : timesteps.data();
  p.num_timesteps = int(timesteps.size());
  tsr_attn_rule rule{};
  if (!tile.empty()) std::copy(tile.begin(), tile.end(), p.attn.tile);
  if (!sta.empty()) {
    rule.step_begin = dense_steps;
    rule.step_end = -1;
    rule.layer_end = -1;
    rule.head = -1;
    rule.pattern = TSR_ATTN_STA;
    std::copy(sta.begin(), sta.end(), rule.window);
    p.attn.rules = &rule;
    p.attn.num_rules = 1;
  }

  tsr_memory_estimate est{};
  if (tsr_estimate_memory(model, &p, &est, &err) != TSR_OK) return fail("estimating memory", err);
  std::fprintf(stderr, "%dx%d, %d frames, %d steps: peak %.2f GiB (weights %.2f GiB), %.2f GiB available%s\n", p.width,
               p.height, p.frames, p.steps, double(est.peak_bytes) / (1 << 30), double(est.weights_bytes) / (1 << 30),
               double(est.available_bytes) / (1 << 30), est.fits ? "" : " -- does not fit");
  if (estimate_only) return 0;

  tsr_callbacks cb{on_progress, nullptr, nullptr};
  std::vector<double> text, denoise, decode;
  tsr_video video{};
  for (int r = 0; r < repeat; ++r) {
    tsr_video_free(&video);
    if (tsr_generate(model, &p, &cb, &video, &err) != TSR_OK) return fail("generating", err);
    text.push_back(video.seconds_text);
    denoise.push_back(video.seconds_denoise);
    decode.push_back(video.seconds_decode);
    std::fprintf(stderr, "run %d: text %.3f s, denoise %.3f s (%.3f s/step), decode %.3f s, peak %.0f MiB\n", r + 1,
                 video.seconds_text, video.seconds_denoise, video.seconds_denoise / p.steps, video.seconds_decode,
                 double(video.device_bytes_peak) / (1 << 20));
  }
  if (repeat > 1)
    std::printf("median of %d: text %.3f s, denoise %.3f s, decode %.3f s\n", repeat, median(text), median(denoise),
                median(decode));
  if (out_path) {
    FILE* f = std::fopen(out_path, "wb");
    size_t bytes = size_t(video.frames) * video.width * video.height * 3;
    if (!f || std::fwrite(video.rgb, 1, bytes, f) != bytes) {
      std::fprintf(stderr, "tessera_generate: cannot write %s\n", out_path);
      if (f) std::fclose(f);
      return 1;
    }
    std::fclose(f);
    std::printf("wrote %s: %d frames of %dx%d RGB24 at %d fps\n", out_path, video.frames, video.width, video.height,
                video.fps);
    std::printf("ffmpeg -f rawvideo -pix_fmt rgb24 -s %dx%d -r %d -i %s -pix_fmt yuv420p out.mp4\n", video.width,
                video.height, video.fps, out_path);
  }
  tsr_video_free(&video);
  tsr_model_destroy(model);
  tsr_engine_destroy(engine);
  return 0;
}
