// tsr_generate, tsr_estimate_memory.
#include <cstdlib>

#include "capi/convert.h"
#include "engine/generate.h"

using namespace tsr;
using namespace tsr::capi;

extern "C" {

TSR_API tsr_code tsr_generate(tsr_model* model, const tsr_generate_params* params, const tsr_callbacks* callbacks,
                              tsr_video* out, tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!model) return null_arg("model");
    if (!out) return null_arg("out");
    std::memset(out, 0, sizeof *out);
    TSR_ASSIGN_OR_RETURN(GenerateRequest req, to_request(params));
    CallbackObserver obs(callbacks);
    std::lock_guard<std::mutex> lock(model->core->run_mu);
    TSR_ASSIGN_OR_RETURN(Video v, generate(*model->bundle, req, obs));
    const size_t bytes = v.frames.rgb.size();
    auto* rgb = static_cast<uint8_t*>(std::malloc(bytes ? bytes : 1));
    if (!rgb) return Error(Code::OutOfMemory, "cannot allocate %zu bytes for the video", bytes);
    std::memcpy(rgb, v.frames.rgb.data(), bytes);
    out->rgb = rgb;
    out->frames = v.frames.frames;
    out->width = v.frames.width;
    out->height = v.frames.height;
    out->fps = v.fps;
    out->seconds_text = v.seconds_text;
    out->seconds_denoise = v.seconds_denoise;
    out->seconds_decode = v.seconds_decode;
    out->device_bytes_peak = v.bytes_peak;
    return OkStatus();
  });
}

TSR_API void tsr_video_free(tsr_video* video) {
  if (!video) return;
  std::free(video->rgb);
  std::memset(video, 0, sizeof *video);
}

// Reads the model's state without taking the run lock: it is called on the JS thread and
// must answer while a generation runs.
TSR_API tsr_code tsr_estimate_memory(tsr_model* model, const tsr_generate_params* params, tsr_memory_estimate* out,
                                     tsr_error* err) {
  return guarded(err, [&]() -> Status {
    if (!model) return null_arg("model");
    if (!out) return null_arg("out");
    std::memset(out, 0, sizeof *out);
    TSR_ASSIGN_OR_RETURN(GenerateRequest req, to_request(params));
    TSR_ASSIGN_OR_RETURN(LatentGeometry g, check_request(*model->bundle, &req));
    TSR_ASSIGN_OR_RETURN(MemoryCheck mc, check_memory(*model->bundle, req, g));
    out->weights_bytes = mc.estimate.weights_bytes;
    out->activations_bytes = mc.estimate.activations_bytes;
    out->peak_bytes = mc.estimate.peak_bytes;
    out->available_bytes = mc.available;
    out->fits = mc.fits ? 1 : 0;
    return OkStatus();
  });
}

}  // extern "C"
