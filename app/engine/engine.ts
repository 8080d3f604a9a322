// The Engine / EngineModel of types.ts over the native addon. Prompts are tokenized here; native
// calls of one engine run one at a time (a queue), since an engine owns one device; AbortSignal
// maps to the addon's cancel token; every failure surfaces as an EngineError.
import { resolve } from 'node:path';
import { EngineError, toEngineError } from './errors.js';
import { defaultNegativePrompt, readModelExtras, type ModelExtras } from './model-extras.js';
import { loadNative, type NativeAddon, type NativeEngine, type NativeModel } from './native.js';
import { PromptTokenizer } from './tokenizer.js';
import type {
  AttnMap, AttnMapRequest, Calibration, CalibrationRequest, Engine, EngineInfo, EngineModel, EngineOptions,
  FixtureResult, GenerateParams, MemoryEstimate, ModelInfo, Progress, RunOptions, SamplerKind, Video,
} from './types.js';

/** Runs async jobs one after another. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

function cancelledError(): EngineError {
  return new EngineError('CANCELLED', 'cancelled');
}

interface RawModelInfo {
  layout: string;
  dit: ModelInfo['dit'];
  t5: ModelInfo['t5'];
  vae: ModelInfo['vae'];
  weightDtype: string;
  defaults: Omit<ModelInfo['defaults'], 'sampler'> & { sampler: string };
}

function toModelInfo(dir: string, raw: RawModelInfo, extras: ModelExtras): ModelInfo {
  const sampler: SamplerKind = raw.defaults.sampler === 'euler' || raw.defaults.sampler === 'fewstep'
    ? raw.defaults.sampler : 'unipc';
  const { dim, ffnDim, heads, headDim, layers, textLen, params, patch } = raw.dit;
  const info: ModelInfo = {
    dir,
    layout: raw.layout === 'diffusers' ? 'diffusers' : 'official',
    dit: { dim, ffnDim, heads, headDim, layers, textLen, params, patch },
    t5: raw.t5,
    vae: raw.vae,
    weightDtype: raw.weightDtype === 'bf16' || raw.weightDtype === 'f16' ? raw.weightDtype : 'f32',
    defaults: { ...raw.defaults, sampler, negativePrompt: defaultNegativePrompt(raw.layout, extras) },
  };
  if (extras.attention) info.defaults.attention = extras.attention;
  if (extras.name !== undefined) info.name = extras.name;
  return info;
}

class NativeEngineModel implements EngineModel {
  readonly info: ModelInfo;
  private readonly native: NativeModel;
  private disposed = false;

  constructor(
    private readonly addon: NativeAddon,
    private readonly queue: SerialQueue,
    native: NativeModel,
    info: ModelInfo,
    private readonly tokenizer: PromptTokenizer,
  ) {
    this.native = native;
    this.info = info;
  }

  /** The native model for a new call; calls made before dispose() still run. */
  private live(): NativeModel {
    if (this.disposed) throw new EngineError('INVALID_ARGUMENT', 'the model has been disposed');
    return this.native;
  }

  /** GenerateParams -> the addon's parameter object (token ids instead of text). */
  nativeParams(p: GenerateParams): object {
    const textLen = this.info.dit.textLen;
    const promptIds = this.tokenizer.encode(p.prompt, textLen);
    const negative = p.negativePrompt !== undefined && p.negativePrompt.trim() !== ''
      ? p.negativePrompt : (this.info.defaults.negativePrompt ?? '');
    const out: Record<string, unknown> = {
      promptIds,
      width: p.width, height: p.height, frames: p.frames, steps: p.steps,
      guidance: p.guidance, shift: p.shift, seed: p.seed, sampler: p.sampler,
      preview: p.preview ?? false,
    };
    // Without guidance the unconditional pass is skipped, so no negative prompt is needed.
    if (p.guidance > 1) out.negativeIds = this.tokenizer.encode(negative, textLen);
    if (p.timesteps) out.timesteps = p.timesteps;
    if (p.attention) out.attention = p.attention;
    if (p.previewMaxSide !== undefined) out.previewMaxSide = p.previewMaxSide;
    return out;
  }

  /** Queues one cancellable native call with progress. */
  private run<T>(opts: RunOptions | undefined,
    call: (m: NativeModel, onProgress: (p: unknown) => void, token: InstanceType<NativeAddon['CancelToken']>) => Promise<unknown>): Promise<T> {
    const signal = opts?.signal;
    let model: NativeModel;
    try { model = this.live(); } catch (err) { return Promise.reject(err); }
    if (signal?.aborted) return Promise.reject(cancelledError());
    return new Promise<T>((resolve, reject) => {
      // Aborted while waiting for an earlier call: reject at once; the queued job then skips.
      let started = false;
      const abortQueued = () => { if (!started) reject(cancelledError()); };
      signal?.addEventListener('abort', abortQueued, { once: true });
      this.queue.run(async () => {
        started = true;
        signal?.removeEventListener('abort', abortQueued);
        if (signal?.aborted) throw cancelledError();
        const token = new this.addon.CancelToken();
        const abort = () => token.cancel();
        signal?.addEventListener('abort', abort, { once: true });
        const onProgress = opts?.onProgress;
        try {
          return await call(model, (p) => onProgress?.(p as Progress), token) as T;
        } catch (err) {
          throw toEngineError(err);
        } finally {
          signal?.removeEventListener('abort', abort);
        }
      }).then(resolve, reject);
    });
  }

  generate(params: GenerateParams, opts?: RunOptions): Promise<Video> {
    let np: object;
    try { np = this.nativeParams(params); } catch (err) { return Promise.reject(toEngineError(err, 'INVALID_ARGUMENT')); }
    return this.run<Video>(opts, (m, onProgress, token) => m.generate(np, onProgress, token));
  }

  estimateMemory(params: GenerateParams): MemoryEstimate {
    try {
      return this.live().estimateMemory(this.nativeParams(params)) as MemoryEstimate;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  attentionMap(params: GenerateParams, request: AttnMapRequest, opts?: RunOptions): Promise<AttnMap> {
    let np: object;
    try { np = this.nativeParams(params); } catch (err) { return Promise.reject(toEngineError(err, 'INVALID_ARGUMENT')); }
    return this.run<AttnMap>(opts, (m, onProgress, token) => m.attentionMap(np, request, onProgress, token));
  }

  calibrate(params: GenerateParams, request: CalibrationRequest, opts?: RunOptions): Promise<Calibration> {
    let np: object;
    try { np = this.nativeParams(params); } catch (err) { return Promise.reject(toEngineError(err, 'INVALID_ARGUMENT')); }
    return this.run<Calibration>(opts, (m, onProgress, token) => m.calibrate(np, request, onProgress, token));
  }

  /** Rejects new calls at once; frees the model after the calls already queued. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.queue.run(async () => this.native.dispose());
  }
}

class NativeEngineImpl implements Engine {
  private readonly queue = new SerialQueue();
  private disposed = false;

  constructor(private readonly addon: NativeAddon, private readonly native: NativeEngine) {}

  private live(): NativeEngine {
    if (this.disposed) throw new EngineError('INVALID_ARGUMENT', 'the engine has been disposed');
    return this.native;
  }

  info(): EngineInfo {
    try {
      return this.live().info() as EngineInfo;
    } catch (err) {
      throw toEngineError(err);
    }
  }

  loadModel(dir: string, opts?: { keepTextEncoder?: boolean }): Promise<EngineModel> {
    const abs = resolve(dir);
    let engine: NativeEngine;
    try { engine = this.live(); } catch (err) { return Promise.reject(err); }
    return this.queue.run(async () => {
      try {
        const native = await engine.loadModel(abs, { keepTextEncoder: opts?.keepTextEncoder ?? false });
        try {
          const tokenizer = PromptTokenizer.fromModelDir(abs);
          const info = toModelInfo(abs, native.info() as RawModelInfo, readModelExtras(abs));
          return new NativeEngineModel(this.addon, this.queue, native, info, tokenizer);
        } catch (err) {
          native.dispose();
          throw err;
        }
      } catch (err) {
        throw toEngineError(err);
      }
    });
  }

  verifyFixture(ioPath: string): Promise<FixtureResult[]> {
    let engine: NativeEngine;
    try { engine = this.live(); } catch (err) { return Promise.reject(err); }
    return this.queue.run(async () => {
      try {
        return await engine.verifyFixture(resolve(ioPath)) as FixtureResult[];
      } catch (err) {
        throw toEngineError(err);
      }
    });
  }

  /** Rejects new calls at once; frees the engine after the calls already queued (models that are
   * still loaded keep the native engine alive until they are disposed). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.queue.run(async () => this.native.dispose());
  }
}

/** Loads the addon (ADDON_LOAD_FAILED with reasons if it cannot) and creates an engine. */
export async function createEngine(opts: EngineOptions = {}, addon?: NativeAddon): Promise<Engine> {
  const a = addon ?? loadNative();
  try {
    return new NativeEngineImpl(a, await a.createEngine(opts));
  } catch (err) {
    throw toEngineError(err);
  }
}
