// The engine as JavaScript sees it: what the native addon (native/binding) exposes through
// app/engine/native.ts. The app's engine host, the CLI and the headless server use only this.
// Mirrors native/include/tessera.h; field names are camelCase.

export type BackendKind = 'auto' | 'cpu' | 'cuda';
export type SamplerKind = 'unipc' | 'euler' | 'fewstep';
export type AttnPatternKind = 'dense' | 'sta' | 'tile';
export type Stage = 'encode' | 'denoise' | 'decode';

/** Stable error codes (tsr_code_name in the C API). */
export type EngineErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'IO_ERROR'
  | 'CORRUPT_FILE'
  | 'UNSUPPORTED_DTYPE'
  | 'SHAPE_MISMATCH'
  | 'MISSING_KEY'
  | 'UNEXPECTED_KEY'
  | 'INVALID_SIZE'
  | 'OUT_OF_MEMORY'
  | 'CANCELLED'
  | 'BACKEND_ERROR'
  | 'UNSUPPORTED'
  | 'INTERNAL'
  /** Raised by the JS side: the addon could not be loaded. */
  | 'ADDON_LOAD_FAILED'
  /** Raised by the JS side: tokenizer.json missing or unreadable. */
  | 'TOKENIZER_ERROR'
  /** Raised by the engine host: the engine process died during the job. */
  | 'ENGINE_CRASHED';

export interface EngineOptions {
  backend?: BackendKind;
  deviceIndex?: number;
  threads?: number;
  cudaPath?: 'auto' | 'portable' | 'hopper';
}

export interface EngineInfo {
  backend: 'cpu' | 'cuda';
  deviceName: string;
  /** Non-empty when a GPU was asked for (or auto) and the engine fell back to the CPU. */
  fallbackReason: string;
  threads: number;
  computeCapability: number;
  totalMemory: number;
  freeMemory: number;
  cudaCompiled: boolean;
}

export interface ModelInfo {
  dir: string;
  layout: 'official' | 'diffusers';
  dit: { dim: number; ffnDim: number; heads: number; headDim: number; layers: number; textLen: number; params: number; patch: [number, number, number] };
  t5: { dim: number; layers: number; heads: number; vocab: number; params: number };
  vae: { zDim: number; baseDim: number; stride: [number, number, number]; params: number };
  weightDtype: 'f32' | 'bf16' | 'f16';
  defaults: {
    steps: number; width: number; height: number; frames: number;
    guidance: number; shift: number; sampler: SamplerKind; timesteps: number[];
    /** Used when a prompt's negative prompt is empty (tessera.json, or Wan2.1's for official folders). */
    negativePrompt?: string;
    /** Default attention configuration from tessera.json, when it has one. */
    attention?: AttnConfig;
  };
  /** Display name from tessera.json, when it has one. */
  name?: string;
}

/** One attention rule; later rules override earlier ones; anything uncovered is dense. */
export interface AttnRule {
  steps?: [number, number];   // half-open, end -1 = to the last
  layers?: [number, number];
  head?: number;              // -1 or absent: every head
  pattern: AttnPatternKind;
  window?: [number, number, number]; // STA, in tiles (t, h, w)
  globalFrames?: number;      // Attention Tile k
}

export interface AttnConfig {
  tile?: [number, number, number]; // default [6, 8, 8]
  rules: AttnRule[];
}

export interface GenerateParams {
  prompt: string;
  negativePrompt?: string;
  width: number;
  height: number;
  frames: number;
  steps: number;
  guidance: number;
  shift: number;
  seed: number;
  sampler: SamplerKind;
  /** fewstep: explicit timesteps, e.g. [1000, 757, 522]. */
  timesteps?: number[];
  attention?: AttnConfig;
  preview?: boolean;
  previewMaxSide?: number;
}

export interface PreviewFrames {
  frames: number;
  width: number;
  height: number;
  /** [frames][height][width][3] RGB. */
  rgb: Uint8Array;
}

export interface Progress {
  stage: Stage;
  step: number;
  total: number;
  secondsPerStep: number;
  elapsedSeconds: number;
  deviceBytesInUse: number;
  deviceBytesPeak: number;
  preview?: PreviewFrames;
}

export interface Video {
  /** [frames][height][width][3] RGB. */
  rgb: Uint8Array;
  frames: number;
  width: number;
  height: number;
  fps: number;
  timings: { textSeconds: number; denoiseSeconds: number; decodeSeconds: number };
  deviceBytesPeak: number;
}

export interface MemoryEstimate {
  weightsBytes: number;
  activationsBytes: number;
  peakBytes: number;
  availableBytes: number;
  fits: boolean;
}

export interface AttnMapRequest {
  step: number;
  layer: number;
  head: number;
  /** Raster index into the token grid; omit to use queryTile. */
  queryToken?: number;
  queryTile?: number;
  cond?: boolean;
}

export interface AttnMap {
  grid: [number, number, number];
  /** Probabilities over all keys, raster order, length grid product. */
  probs: Float32Array;
  tiles: [number, number, number];
  numTiles: number;
  /** [numTiles][numTiles] row-stochastic tile-to-tile mass. */
  tileMass: Float32Array;
  /** [numTiles][numTiles] 1 where the configured pattern keeps the block. */
  kept: Uint8Array;
}

export interface CalibrationRequest {
  candidates: Array<[number, number, number]>;
  denseSteps: number;
  /** Cheapest window with error <= maxError; absent or <= 0: argmin. */
  maxError?: number;
}

export interface Calibration {
  steps: number;
  layers: number;
  heads: number;
  candidates: Array<[number, number, number]>;
  /** [layers][heads][candidates] relative L2 vs dense. */
  errors: Float32Array;
  /** [layers][heads] chosen window. */
  windows: Array<Array<[number, number, number]>>;
  sparsity: number;
}

export interface FixtureResult {
  name: string;
  kind: string;
  variant: string;
  relL2: number;
  tolerance: number;
  passed: boolean;
  detail: string;
}

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface EngineModel {
  readonly info: ModelInfo;
  generate(params: GenerateParams, opts?: RunOptions): Promise<Video>;
  estimateMemory(params: GenerateParams): MemoryEstimate;
  attentionMap(params: GenerateParams, request: AttnMapRequest, opts?: RunOptions): Promise<AttnMap>;
  calibrate(params: GenerateParams, request: CalibrationRequest, opts?: RunOptions): Promise<Calibration>;
  dispose(): void;
}

export interface Engine {
  info(): EngineInfo;
  loadModel(dir: string, opts?: { keepTextEncoder?: boolean }): Promise<EngineModel>;
  verifyFixture(ioPath: string): Promise<FixtureResult[]>;
  dispose(): void;
}
