// What methods return and events carry. Plain JSON values (no typed arrays, null for absent)
// so the same objects cross Electron IPC and the WebSocket unchanged.
import type {
  AttnConfig, EngineErrorCode, GenerateParams, MemoryEstimate, ModelInfo, SamplerKind, Stage,
  AttnPatternKind, AttnMapRequest, CalibrationRequest,
} from '../engine/types.js';
import type { ApiErrorShape } from './errors.js';
import type { ExportSettings } from './params.js';

export type { AttnConfig, GenerateParams, MemoryEstimate, ModelInfo, AttnMapRequest, CalibrationRequest };

// ------------------------------------------------------------------ app and engine
export interface AppInfo {
  version: string;
  /** 'electron' in the desktop app, 'headless' behind `tessera serve`. */
  mode: 'electron' | 'headless';
  platform: string;
  dataDir: string;
  /** Whether files.pickFolder can show a native dialog (Electron only). */
  nativeDialogs: boolean;
}

export type EngineState = 'starting' | 'alive' | 'restarting' | 'dead';

export interface EngineStatus {
  state: EngineState;
  backend: 'cpu' | 'cuda' | null;
  deviceName: string;
  /** Why the engine runs on the CPU although a GPU was asked for (empty when it does not). */
  fallbackReason: string;
  computeCapability: number;
  totalMemory: number;
  freeMemory: number;
  cudaCompiled: boolean;
  /** Restarts since the app started. */
  restarts: number;
  /** The last crash or start failure, for the status bar. */
  lastError: string | null;
  /** When state is 'restarting': epoch ms of the next attempt. */
  nextRestartAt: number | null;
}

// ------------------------------------------------------------------ models
export type ModelSource = 'builtin' | 'imported' | 'downloaded';

export interface ModelRecord {
  id: string;
  name: string;
  dir: string;
  source: ModelSource;
  info: ModelInfo;
  /** Bytes on disk of the model folder. */
  sizeBytes: number;
  /** Peak memory of one generation at the model's default settings (engine estimate). */
  vramBytes: number;
  supports: { samplers: SamplerKind[]; attention: AttnPatternKind[] };
  addedAt: number;
}

export type DownloadState = 'queued' | 'downloading' | 'verifying' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface DownloadFileStatus {
  url: string;
  path: string;
  sha256: string;
  totalBytes: number | null;
  receivedBytes: number;
  verified: boolean;
}

export interface Download {
  id: string;
  name: string;
  state: DownloadState;
  files: DownloadFileStatus[];
  receivedBytes: number;
  totalBytes: number | null;
  bytesPerSecond: number;
  error: ApiErrorShape | null;
  /** The imported model once the download is done. */
  modelId: string | null;
  createdAt: number;
}

// ------------------------------------------------------------------ queue
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export type JobKind = 'generate' | 'attention-map' | 'calibrate';

export interface JobProgress {
  jobId: string;
  stage: Stage;
  step: number;
  total: number;
  secondsPerStep: number;
  /** Steps per second (1 / secondsPerStep; 0 before the first step). */
  itPerSecond: number;
  /** Seconds left in this stage (denoise also counts an estimate of the decode). */
  etaSeconds: number | null;
  elapsedSeconds: number;
  deviceBytesInUse: number;
  deviceBytesPeak: number;
  /** URL of a short clip of the current x0 prediction (all frames); null without previews. */
  previewUrl: string | null;
  /** Increases with each new preview clip of the job. */
  previewSeq: number;
}

export interface Job {
  id: string;
  kind: JobKind;
  state: JobState;
  /** Order among queued jobs (lower runs first). */
  position: number;
  label: string;
  modelId: string;
  params: GenerateParams;
  export: ExportSettings;
  /** attention-map / calibrate jobs: the request. */
  request: AttnMapRequest | CalibrationRequest | null;
  batchId: string | null;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: { code: EngineErrorCode | string; message: string } | null;
  progress: JobProgress | null;
  /** Gallery item written by a finished generate job. */
  outputId: string | null;
}

export interface QueueSnapshot {
  paused: boolean;
  jobs: Job[];
}

export interface BatchResult {
  batchId: string;
  jobs: Job[];
}

export interface BatchFinished {
  batchId: string;
  done: number;
  failed: number;
  cancelled: number;
  interrupted: number;
}

// ------------------------------------------------------------------ attention
export interface AttnMapResult {
  jobId: string;
  grid: [number, number, number];
  /** Probabilities over all keys, raster order (t, h, w), length grid product. */
  probs: number[];
  tiles: [number, number, number];
  numTiles: number;
  /** [numTiles * numTiles] row-stochastic tile-to-tile mass, row = query tile. */
  tileMass: number[];
  /** [numTiles * numTiles] 1 where the configured pattern keeps the block. */
  kept: number[];
}

export interface CalibrationResult {
  jobId: string;
  steps: number;
  layers: number;
  heads: number;
  candidates: Array<[number, number, number]>;
  /** [layers * heads * candidates] relative L2 vs dense. */
  errors: number[];
  /** [layers][heads] chosen window. */
  windows: Array<Array<[number, number, number]>>;
  sparsity: number;
  /** The windows as an attention config ready to use or save as a preset. */
  config: AttnConfig;
}

export type WindowPresetKind = 'dense' | 'calibrated' | 'custom';

export interface WindowPreset {
  id: string;
  name: string;
  kind: WindowPresetKind;
  config: AttnConfig;
  /** Model the preset was calibrated for (layers/heads), null for any. */
  modelId: string | null;
  note: string;
  builtin: boolean;
  updatedAt: number;
}

export interface GenerationPreset {
  id: string;
  name: string;
  params: Partial<GenerateParams>;
  updatedAt: number;
}

// ------------------------------------------------------------------ gallery
export interface ReusableSettings {
  modelId: string | null;
  modelName: string;
  params: GenerateParams;
  export: ExportSettings;
}

export interface GalleryItem {
  id: string;
  jobId: string | null;
  modelId: string | null;
  modelName: string;
  /** Absolute path of the file (a folder for png frames). */
  path: string;
  /** URL the UI can load (video/img src; for png, the first frame); null when the file is gone. */
  url: string | null;
  format: ExportSettings['format'];
  width: number;
  height: number;
  frames: number;
  fps: number;
  sizeBytes: number;
  createdAt: number;
  params: GenerateParams;
  export: ExportSettings;
  timings: { textSeconds: number; denoiseSeconds: number; decodeSeconds: number };
  deviceBytesPeak: number;
}

export interface GalleryPage {
  items: GalleryItem[];
  total: number;
}

// ------------------------------------------------------------------ files and logs
export interface FolderRoot {
  path: string;
  label: string;
}

export interface DirListing {
  path: string;
  /** null at a root. */
  parent: string | null;
  entries: Array<{ name: string; path: string; isDir: boolean; sizeBytes: number }>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  time: number;
  level: LogLevel;
  source: string;
  message: string;
}

export interface AppNotification {
  title: string;
  body: string;
  jobId: string | null;
  batchId: string | null;
}
