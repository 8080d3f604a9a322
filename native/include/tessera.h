/* Tessera engine C API: Wan2.1-class text-to-video with sliding-tile sparse attention.
 *
 * Conventions
 * - Every call that can fail returns a tsr_code and, when `err` is not NULL, fills it with the
 *   code and a human-readable message. Nothing in the engine exits or aborts the process.
 * - Structs passed in carry `struct_size` (set it to sizeof(struct)) so fields can be added later.
 * - Objects are opaque; destroy what you create. Buffers the engine returns are freed with the
 *   matching *_free function.
 * - Text enters as token ids (prompt tokens + EOS, no padding): tokenization happens in the host
 *   language from the model folder's tokenizer.json.
 */
#ifndef TESSERA_H_
#define TESSERA_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define TSR_API __declspec(dllexport)
#else
#define TSR_API __attribute__((visibility("default")))
#endif

#define TSR_API_VERSION 1

/* ---------------------------------------------------------------- errors */
typedef enum tsr_code {
  TSR_OK = 0,
  TSR_E_INVALID_ARGUMENT = 1, /* a parameter is out of range or inconsistent */
  TSR_E_NOT_FOUND = 2,        /* a file, folder or model component is missing */
  TSR_E_IO = 3,               /* read/write failed (permissions, disk full) */
  TSR_E_CORRUPT_FILE = 4,     /* truncated or malformed checkpoint / fixture */
  TSR_E_UNSUPPORTED_DTYPE = 5,
  TSR_E_SHAPE_MISMATCH = 6, /* a tensor's shape disagrees with the model config */
  TSR_E_MISSING_KEY = 7,    /* a required tensor is absent from the checkpoint */
  TSR_E_UNEXPECTED_KEY = 8, /* the checkpoint holds tensors the model does not know */
  TSR_E_INVALID_SIZE = 9,   /* frames not 4n+1, sides not multiples of 16, too large */
  TSR_E_OUT_OF_MEMORY = 10, /* host or device allocation failed, or the estimate exceeds it */
  TSR_E_CANCELLED = 11,
  TSR_E_BACKEND = 12, /* CUDA/driver error */
  TSR_E_UNSUPPORTED = 13,
  TSR_E_INTERNAL = 14
} tsr_code;

typedef struct tsr_error {
  tsr_code code;
  char message[1024];
} tsr_error;

/* Stable upper-case name of a code, e.g. "CORRUPT_FILE". Never NULL. */
TSR_API const char* tsr_code_name(tsr_code code);

/* ---------------------------------------------------------------- engine */
typedef struct tsr_engine tsr_engine;
typedef struct tsr_model tsr_model;

typedef enum tsr_backend_kind {
  TSR_BACKEND_AUTO = 0, /* CUDA when a usable GPU is present, else CPU */
  TSR_BACKEND_CPU = 1,
  TSR_BACKEND_CUDA = 2
} tsr_backend_kind;

typedef enum tsr_cuda_path {
  TSR_CUDA_PATH_AUTO = 0,     /* Hopper kernels on sm_90, portable ones elsewhere */
  TSR_CUDA_PATH_PORTABLE = 1, /* force the sm_80 code path (testing on Hopper) */
  TSR_CUDA_PATH_HOPPER = 2
} tsr_cuda_path;

typedef struct tsr_engine_options {
  size_t struct_size;
  tsr_backend_kind backend;
  int device_index;       /* CUDA device ordinal */
  int num_threads;        /* CPU threads; 0 = all cores */
  tsr_cuda_path cuda_path;
} tsr_engine_options;

typedef struct tsr_engine_info {
  char backend[16];          /* "cpu" or "cuda" */
  char device_name[128];     /* "NVIDIA H100 80GB HBM3", or the CPU model */
  char fallback_reason[256]; /* non-empty when AUTO/CUDA fell back to the CPU */
  int num_threads;
  int compute_capability;    /* e.g. 90; 0 on the CPU */
  uint64_t total_memory;     /* bytes of device (or host) memory */
  uint64_t free_memory;
  int cuda_compiled;         /* 1 when this build contains the CUDA backend */
} tsr_engine_info;

TSR_API tsr_code tsr_engine_create(const tsr_engine_options* opts, tsr_engine** out, tsr_error* err);
TSR_API void tsr_engine_destroy(tsr_engine* engine);
TSR_API tsr_code tsr_engine_get_info(tsr_engine* engine, tsr_engine_info* out, tsr_error* err);

/* ---------------------------------------------------------------- models */
typedef struct tsr_model_options {
  size_t struct_size;
  int keep_text_encoder; /* 0: free the text encoder after each encoding (reloaded on demand) */
} tsr_model_options;

typedef struct tsr_model_info {
  char layout[16]; /* "official" or "diffusers" */
  /* DiT */
  int dim, ffn_dim, num_heads, head_dim, num_layers, freq_dim, text_dim, text_len;
  int in_dim, out_dim, patch[3];
  /* text encoder */
  int t5_dim, t5_layers, t5_heads, t5_vocab;
  /* VAE */
  int vae_z_dim, vae_base_dim, vae_stride[3]; /* (4, 8, 8): frames, height, width compression */
  uint64_t dit_params, t5_params, vae_params;
  char weight_dtype[8]; /* dtype of the DiT file: "f32", "bf16", "f16" */
  /* Defaults stored in the model folder's config (tessera.json), 0 where absent. */
  int default_steps, default_width, default_height, default_frames;
  float default_guidance, default_shift;
  char default_sampler[16];
  int default_timesteps[16];
  int num_default_timesteps;
} tsr_model_info;

TSR_API tsr_code tsr_model_load(tsr_engine* engine, const char* dir, const tsr_model_options* opts,
                                tsr_model** out, tsr_error* err);
TSR_API void tsr_model_destroy(tsr_model* model);
TSR_API tsr_code tsr_model_get_info(tsr_model* model, tsr_model_info* out, tsr_error* err);

/* ---------------------------------------------------------------- attention */
typedef enum tsr_attn_pattern {
  TSR_ATTN_DENSE = 0,
  TSR_ATTN_STA = 1,  /* sliding-tile attention: window in tiles per axis */
  TSR_ATTN_TILE = 2  /* Attention Tile k:(F-k): diagonal frame blocks + k global frames */
} tsr_attn_pattern;

/* A rule applies one pattern to a range of steps, layers and heads. Rules are applied in
 * order; later ones override earlier ones. Anything no rule covers is dense. Ranges are
 * half-open [begin, end); end = -1 means "to the last". head = -1 means every head. */
typedef struct tsr_attn_rule {
  int step_begin, step_end;
  int layer_begin, layer_end;
  int head;
  tsr_attn_pattern pattern;
  int window[3];     /* STA: (wt, wh, ww) in tiles */
  int global_frames; /* TILE: k global reference latent frames */
} tsr_attn_rule;

typedef struct tsr_attn_config {
  int tile[3]; /* tokens per tile axis (t, h, w); 0s mean (6, 8, 8) */
  const tsr_attn_rule* rules;
  int num_rules;
} tsr_attn_config;

/* ---------------------------------------------------------------- generation */
typedef enum tsr_sampler {
  TSR_SAMPLER_UNIPC = 0,   /* FlowUniPC order 2, Wan's schedule */
  TSR_SAMPLER_EULER = 1,   /* flow Euler on the same sigma grid */
  TSR_SAMPLER_FEWSTEP = 2  /* explicit timestep list with re-noising between steps (DMD/MCD) */
} tsr_sampler;

typedef struct tsr_generate_params {
  size_t struct_size;
  const int32_t* prompt_ids; /* tokens incl. EOS, no padding */
  int prompt_len;
  const int32_t* negative_ids; /* may be NULL when guidance <= 1 */
  int negative_len;
  int width, height, frames; /* pixels; frames = 4n+1, sides multiples of 16 */
  int steps;
  float guidance; /* classifier-free guidance scale; <= 1 disables the unconditional pass */
  float shift;    /* sigma shift */
  uint64_t seed;
  tsr_sampler sampler;
  const int32_t* timesteps; /* FEWSTEP: e.g. {1000, 757, 522}; steps = count */
  int num_timesteps;
  tsr_attn_config attn;
  int preview;         /* 1: compute an RGB preview of the x0 prediction each step */
  int preview_max_side; /* longest side of preview frames in pixels; 0 = latent size x 8 */
} tsr_generate_params;

typedef enum tsr_stage {
  TSR_STAGE_ENCODE_TEXT = 0,
  TSR_STAGE_DENOISE = 1,
  TSR_STAGE_DECODE = 2
} tsr_stage;

typedef struct tsr_progress {
  tsr_stage stage;
  int step, total;          /* denoise: step 1..total; decode: chunk 1..total */
  double seconds_per_step;  /* mean over steps so far */
  double elapsed_seconds;
  uint64_t device_bytes_in_use, device_bytes_peak;
  /* Preview of the current x0 prediction, all frames: [frames][height][width][3] RGB.
   * Valid only during the callback; NULL when previews are off or not a denoise step. */
  const uint8_t* preview_rgb;
  int preview_frames, preview_width, preview_height;
} tsr_progress;

typedef struct tsr_callbacks {
  /* Called on the generating thread; keep it short. */
  void (*on_progress)(const tsr_progress* progress, void* user);
  /* Polled between steps and between VAE chunks; non-zero cancels with TSR_E_CANCELLED. */
  int (*is_cancelled)(void* user);
  void* user;
} tsr_callbacks;

typedef struct tsr_video {
  uint8_t* rgb; /* [frames][height][width][3] */
  int frames, width, height;
  int fps;
  double seconds_text, seconds_denoise, seconds_decode;
  uint64_t device_bytes_peak;
} tsr_video;

TSR_API tsr_code tsr_generate(tsr_model* model, const tsr_generate_params* params,
                              const tsr_callbacks* callbacks, tsr_video* out, tsr_error* err);
TSR_API void tsr_video_free(tsr_video* video);

/* Bytes of memory (device memory on CUDA) a generation with these params needs at its peak,
 * and whether it fits; checks sizes and returns TSR_E_INVALID_SIZE for invalid ones. */
typedef struct tsr_memory_estimate {
  uint64_t weights_bytes, activations_bytes, peak_bytes, available_bytes;
  int fits;
} tsr_memory_estimate;
TSR_API tsr_code tsr_estimate_memory(tsr_model* model, const tsr_generate_params* params,
                                     tsr_memory_estimate* out, tsr_error* err);

/* ---------------------------------------------------------------- attention maps */
typedef struct tsr_attn_map_request {
  size_t struct_size;
  int step;        /* 0-based denoise step at which to capture */
  int layer, head;
  int query_token; /* raster index (t*H*W + h*W + w) into the token grid; -1: use query_tile */
  int query_tile;  /* tile index in tile raster order, averaged over its tokens */
  int cond;        /* 1: conditional pass (default), 0: unconditional */
} tsr_attn_map_request;

typedef struct tsr_attn_map {
  int grid[3];        /* token grid (t, h, w) */
  float* probs;       /* [grid t*h*w] attention probabilities of the query over all keys */
  int tiles[3];       /* tiles per axis for the config's tile size */
  int num_tiles;
  float* tile_mass;   /* [num_tiles][num_tiles]: mean over a query tile's tokens of the
                         probability mass falling in each key tile (rows sum to 1) */
  uint8_t* kept;      /* [num_tiles][num_tiles]: 1 where the configured pattern keeps the block */
} tsr_attn_map;

/* Runs the denoising loop up to `step` with the given params (the dense or sparse attention
 * they configure) and captures the dense attention of the requested layer/head there. */
TSR_API tsr_code tsr_attention_map(tsr_model* model, const tsr_generate_params* params,
                                   const tsr_attn_map_request* request, const tsr_callbacks* callbacks,
                                   tsr_attn_map* out, tsr_error* err);
TSR_API void tsr_attn_map_free(tsr_attn_map* map);

/* ---------------------------------------------------------------- calibration */
typedef struct tsr_calibration_request {
  size_t struct_size;
  const int* candidates; /* [num_candidates][3] STA windows in tiles */
  int num_candidates;
  int dense_steps;   /* the first steps stay dense and are not measured */
  float max_error;   /* pick the cheapest window with mean relative L2 <= max_error; <= 0: argmin */
} tsr_calibration_request;

typedef struct tsr_calibration {
  int steps, layers, heads, num_candidates; /* steps: the measured ones (steps - dense_steps) */
  float* errors;   /* [layers][heads][num_candidates]: relative L2 vs dense, mean over measured steps */
  int* windows;    /* [layers][heads][3]: the chosen window per head */
  float sparsity;  /* fraction of (query tile, key tile) blocks skipped by the chosen windows */
} tsr_calibration;

TSR_API tsr_code tsr_calibrate(tsr_model* model, const tsr_generate_params* params,
                               const tsr_calibration_request* request, const tsr_callbacks* callbacks,
                               tsr_calibration* out, tsr_error* err);
TSR_API void tsr_calibration_free(tsr_calibration* cal);

/* ---------------------------------------------------------------- parity fixtures */
typedef struct tsr_fixture_result {
  char name[128];  /* e.g. "wan_dit_tiny" */
  char kind[32];   /* "wan_dit", "wan_vae_decode", "wan_vae_encode", "umt5", "flow_unipc", "sta_attn" */
  char variant[32];/* weights variant: "safetensors", "pth", "bf16.safetensors", ... */
  double rel_l2;
  double tolerance;
  int passed;
  char detail[256];
} tsr_fixture_result;

/* Runs one golden fixture (`io_path` = ".../NAME.io.safetensors") on the engine's backend.
 * A fixture can produce several results (decode and encode, each weight variant): the call
 * writes up to `capacity` of them and the count written to *count. With results == NULL and
 * capacity == 0 it only reports how many results the fixture has. */
TSR_API tsr_code tsr_verify_fixture(tsr_engine* engine, const char* io_path, tsr_fixture_result* results,
                                    int capacity, int* count, tsr_error* err);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_H_ */
