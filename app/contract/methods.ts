// Every method of the Tessera API, grouped by surface. One table, used by the Electron bridge,
// the WebSocket client and the server's handlers (see api.ts for the derived types).
import { z } from 'zod';
import { method } from './define.js';
import type {
  AppInfo, AttnMapResult, BatchResult, CalibrationResult, DirListing, Download, EngineStatus, FolderRoot,
  GalleryItem, GalleryPage, GenerateParams, GenerationPreset, Job, LogEntry, MemoryEstimate, ModelRecord,
  QueueSnapshot, ReusableSettings, WindowPreset,
} from './entities.js';
import {
  AttnConfigSchema, ExportSettingsSchema, GenerateParamsSchema, IdSchema, samplerKinds,
} from './params.js';
import { SettingsPatchSchema, type Settings } from './settings.js';

const int = z.number().int();
const none = z.object({}).strict();
const byId = z.object({ id: IdSchema }).strict();
const path = z.string().min(1).max(4096);
const sha256 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits');

/** What to run and how to export it; the model defaults to the settings' default model. */
export const JobSpecSchema = z.object({
  modelId: IdSchema.optional(),
  params: GenerateParamsSchema,
  export: ExportSettingsSchema.optional(),
  label: z.string().max(200).optional(),
}).strict();

export const AttnMapRequestSchema = z.object({
  step: int.min(0).max(1000),
  layer: int.min(0).max(1000),
  head: int.min(0).max(1023),
  queryToken: int.min(0).optional(),
  queryTile: int.min(0).optional(),
  cond: z.boolean().optional(),
}).strict().refine((r) => r.queryToken !== undefined || r.queryTile !== undefined,
  'give queryToken or queryTile');

export const CalibrationRequestSchema = z.object({
  candidates: z.array(z.tuple([int.min(1), int.min(1), int.min(1)])).min(1).max(64),
  denseSteps: int.min(0).max(1000),
  maxError: z.number().min(0).max(10).optional(),
}).strict();

/** Batch: the cartesian product of prompts x seeds x grid values applied to base params. */
export const BatchSpecSchema = z.object({
  modelId: IdSchema.optional(),
  base: GenerateParamsSchema,
  export: ExportSettingsSchema.optional(),
  label: z.string().max(200).optional(),
  /** One job per prompt (empty lines dropped); absent: base.prompt. */
  prompts: z.array(z.string().max(20000)).max(1000).optional(),
  /** Explicit seeds, or a sweep { from, count }; absent: base.seed. */
  seeds: z.union([
    z.array(int.min(0).max(Number.MAX_SAFE_INTEGER)).min(1).max(1000),
    z.object({ from: int.min(0).max(Number.MAX_SAFE_INTEGER), count: int.min(1).max(1000) }).strict(),
  ]).optional(),
  /** Parameter grid: every combination of the listed values. */
  grid: z.object({
    steps: z.array(int.min(1).max(1000)).min(1).max(64),
    guidance: z.array(z.number().min(0).max(100)).min(1).max(64),
    shift: z.array(z.number().min(0).max(100)).min(1).max(64),
    sampler: z.array(z.enum(samplerKinds)).min(1).max(3),
    size: z.array(z.tuple([int.min(16).multipleOf(16), int.min(16).multipleOf(16)])).min(1).max(64),
    frames: z.array(int.min(1).refine((f) => (f - 1) % 4 === 0, 'frames must be 4n+1')).min(1).max(64),
  }).partial().strict().optional(),
}).strict();

/** Most jobs one batch may create. */
export const MAX_BATCH_JOBS = 1000;

const DownloadFileSchema = z.object({
  url: z.string().url().max(4096).refine((u) => /^https?:\/\//i.test(u), 'only http(s) URLs'),
  /** Path inside the model folder, forward slashes, no '..'. */
  path: z.string().min(1).max(1024).refine(
    (p) => !p.startsWith('/') && !p.includes('\\') && !p.split('/').some((s) => s === '..' || s === '' || s === '.'),
    'must be a relative path inside the model folder'),
  sha256,
  sizeBytes: int.min(0).optional(),
}).strict();

export const methods = {
  // ---------------------------------------------------------------- app / engine status
  'app.info': method<AppInfo>()(none),
  'engine.status': method<EngineStatus>()(none),
  /** Restart the engine process (also revives it after 'dead'). */
  'engine.restart': method<EngineStatus>({ long: true })(none),

  // ---------------------------------------------------------------- models
  'models.list': method<ModelRecord[]>()(none),
  'models.get': method<ModelRecord>()(byId),
  /** Import a local Wan2.1 folder (official or Diffusers layout), validated by loading its info. */
  'models.import': method<ModelRecord>({ long: true })(z.object({
    dir: path, name: z.string().min(1).max(200).optional(),
  }).strict()),
  'models.remove': method<{ removed: boolean }>()(z.object({
    id: IdSchema,
    /** Also delete the folder (only for downloaded models). */
    deleteFiles: z.boolean().optional(),
  }).strict()),
  /** Start a download; progress comes as 'download.progress' events. */
  'models.download': method<Download>()(z.object({
    name: z.string().min(1).max(200),
    files: z.array(DownloadFileSchema).min(1).max(256),
  }).strict()),
  'models.downloads': method<Download[]>()(none),
  'models.cancelDownload': method<Download>()(byId),
  /** Continue a failed, cancelled or interrupted download from where it stopped. */
  'models.resumeDownload': method<Download>()(byId),

  // ---------------------------------------------------------------- generation
  /** The model's default params (sizes, steps, sampler...) for a new prompt. */
  'generate.defaults': method<{ modelId: string; params: GenerateParams }>()(z.object({
    modelId: IdSchema.optional(),
  }).strict()),
  'generate.estimate': method<MemoryEstimate>({ long: true })(z.object({
    modelId: IdSchema.optional(), params: GenerateParamsSchema,
  }).strict()),
  /** Queue one generation. */
  'generate.submit': method<Job>()(JobSpecSchema),
  'generate.presets.list': method<GenerationPreset[]>()(none),
  'generate.presets.save': method<GenerationPreset>()(z.object({
    id: IdSchema.optional(),
    name: z.string().min(1).max(200),
    params: GenerateParamsSchema.partial(),
  }).strict()),
  'generate.presets.delete': method<{ removed: boolean }>()(byId),
  /** Recent distinct prompts, newest first. */
  'generate.history': method<Array<{ prompt: string; negativePrompt: string; lastUsed: number }>>()(z.object({
    limit: int.min(1).max(1000).optional(),
  }).strict()),

  // ---------------------------------------------------------------- queue
  'queue.list': method<QueueSnapshot>()(none),
  'queue.get': method<Job>()(byId),
  'queue.submitBatch': method<BatchResult>()(BatchSpecSchema),
  'queue.pause': method<QueueSnapshot>()(none),
  'queue.resume': method<QueueSnapshot>()(none),
  /** Cancel a queued or running job (running: within one step or one decode chunk). */
  'queue.cancel': method<Job>()(byId),
  /** New order of queued jobs: the listed ids first, in this order, the others after. */
  'queue.reorder': method<QueueSnapshot>()(z.object({ ids: z.array(IdSchema).min(1).max(10000) }).strict()),
  /** Put a failed, cancelled or interrupted job back at the end of the queue. */
  'queue.retry': method<Job>()(byId),
  /** Forget a job that is not running. */
  'queue.remove': method<{ removed: boolean }>()(byId),
  /** Forget every done, failed, cancelled and interrupted job. */
  'queue.clearFinished': method<QueueSnapshot>()(none),

  // ---------------------------------------------------------------- attention
  /** Runs the sampler up to request.step (as a queued job) and returns the attention there. */
  'attention.map': method<AttnMapResult>({ long: true })(z.object({
    modelId: IdSchema.optional(), params: GenerateParamsSchema, request: AttnMapRequestSchema,
  }).strict()),
  /** Measures every candidate window per layer/head against dense and picks windows. */
  'attention.calibrate': method<CalibrationResult>({ long: true })(z.object({
    modelId: IdSchema.optional(), params: GenerateParamsSchema, request: CalibrationRequestSchema,
  }).strict()),
  'attention.presets.list': method<WindowPreset[]>()(none),
  'attention.presets.save': method<WindowPreset>()(z.object({
    id: IdSchema.optional(),
    name: z.string().min(1).max(200),
    kind: z.enum(['dense', 'calibrated', 'custom']),
    config: AttnConfigSchema,
    modelId: IdSchema.nullable().optional(),
    note: z.string().max(2000).optional(),
  }).strict()),
  'attention.presets.delete': method<{ removed: boolean }>()(byId),

  // ---------------------------------------------------------------- gallery
  'gallery.list': method<GalleryPage>()(z.object({
    limit: int.min(1).max(1000).optional(),
    offset: int.min(0).optional(),
    /** Substring of the prompt. */
    search: z.string().max(500).optional(),
  }).strict()),
  'gallery.get': method<GalleryItem>()(byId),
  /** The exact settings of an output, from the database. */
  'gallery.reuse': method<ReusableSettings>()(byId),
  /** The settings embedded in an exported file's metadata. */
  'gallery.reuseFromFile': method<ReusableSettings>()(z.object({ path }).strict()),
  'gallery.delete': method<{ removed: boolean }>()(z.object({
    id: IdSchema,
    /** Also delete the file (default true); false only forgets the record. */
    deleteFile: z.boolean().optional(),
  }).strict()),
  /** Electron: opens the file in the OS; headless: returns its URL only. */
  'gallery.open': method<{ url: string; opened: boolean }>()(z.object({
    id: IdSchema, reveal: z.boolean().optional(),
  }).strict()),

  // ---------------------------------------------------------------- settings
  'settings.get': method<Settings>()(none),
  'settings.update': method<Settings>()(SettingsPatchSchema),

  // ---------------------------------------------------------------- files
  /** Folders the app may read: data dir, outputs, models, and folders the user picked. */
  'files.roots': method<FolderRoot[]>()(none),
  /** Lists a folder inside the roots (headless folder picker). */
  'files.list': method<DirListing>()(z.object({ path }).strict()),
  /** Electron: native folder dialog (the choice becomes an allowed root); headless: null. */
  'files.pickFolder': method<{ path: string | null }>()(z.object({
    title: z.string().max(200).optional(),
  }).strict()),

  // ---------------------------------------------------------------- logs
  'logs.tail': method<LogEntry[]>()(z.object({
    limit: int.min(1).max(5000).optional(),
    minLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  }).strict()),
} as const;

export type Methods = typeof methods;
