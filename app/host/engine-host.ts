// Supervisor of the engine process. Calls are queued until the engine is ready; a crash fails
// the calls in flight with ENGINE_CRASHED (and the reason) and restarts the process with
// backoff; too many crashes in a row and it stays 'dead' until restart() is called. Nothing
// here ever throws into the app's event loop: every failure ends as a rejected call.
import type { EngineStatus } from '../contract/entities.js';
import { ApiError } from '../contract/errors.js';
import type {
  AttnMap, AttnMapRequest, Calibration, CalibrationRequest, EngineErrorCode, EngineInfo, GenerateParams,
  MemoryEstimate, ModelInfo, Progress, RunOptions, Video,
} from '../engine/types.js';
import type { ChildExit, ChildLauncher, EngineChild } from './launcher.js';
import type { ChildMessage, HostEngineOptions, OpName, Ops } from './protocol.js';

export interface HostLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EngineHostOptions {
  launcher: ChildLauncher;
  options?: HostEngineOptions;
  log?: HostLog;
  /** How long the engine may take to start (load the addon, find the GPU). */
  readyTimeoutMs?: number;
  /** Delays before each restart attempt after consecutive crashes. */
  backoffMs?: number[];
  /** Crashes within crashWindowMs after which the host gives up ('dead'). */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** After a cancel, how long the engine may take to stop before it is killed. */
  cancelGraceMs?: number;
}

/** What the core services need from the engine (implemented by EngineHost). */
export interface EngineClient {
  readonly status: EngineStatus;
  onStatus(listener: (s: EngineStatus) => void): () => void;
  modelInfo(dir: string): Promise<ModelInfo>;
  estimateMemory(dir: string, params: GenerateParams): Promise<MemoryEstimate>;
  generate(dir: string, params: GenerateParams, opts?: RunOptions): Promise<Video>;
  attentionMap(dir: string, params: GenerateParams, request: AttnMapRequest, opts?: RunOptions): Promise<AttnMap>;
  calibrate(dir: string, params: GenerateParams, request: CalibrationRequest, opts?: RunOptions): Promise<Calibration>;
  restart(): Promise<EngineStatus>;
  setOptions(options: HostEngineOptions): void;
  dispose(): Promise<void>;
}

interface Call {
  id: number;
  op: OpName;
  args: Ops[OpName]['args'];
  resolve: (v: unknown) => void;
  reject: (e: ApiError) => void;
  onProgress?: (p: Progress) => void;
  sent: boolean;
  cancelTimer: ReturnType<typeof setTimeout> | null;
  detach: () => void;
}

const DEFAULT_BACKOFF = [500, 1000, 2000, 5000, 10000, 30000];

function describeExit(e: ChildExit): string {
  const how = e.signal
    ? `was killed by ${e.signal}${e.signal === 'SIGKILL' ? ' (the system may have run out of memory)' : ''}`
    : `exited with code ${e.code ?? 'unknown'}`;
  const tail = e.stderrTail.slice(-3).join(' | ');
  return `the engine process ${how}${tail ? `: ${tail}` : ''}`;
}

export class EngineHost implements EngineClient {
  private child: EngineChild | null = null;
  private info: EngineInfo | null = null;
  private state: EngineStatus['state'] = 'starting';
  private lastError: string | null = null;
  private nextRestartAt: number | null = null;
  private restarts = 0;
  private crashTimes: number[] = [];
  private nextId = 1;
  private readonly calls = new Map<number, Call>();
  private readonly listeners = new Set<(s: EngineStatus) => void>();
  private options: HostEngineOptions;
  private pendingOptions: HostEngineOptions | null = null;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** Why we killed the child ourselves: decides how its exit is treated. */
  private killReason: { kind: 'cancel'; callId: number } | { kind: 'restart' } | { kind: 'dispose' } | null = null;
  private readyWaiters: Array<() => void> = [];

  constructor(private readonly opts: EngineHostOptions) {
    this.options = opts.options ?? {};
  }

  /** Where the host logs (set once the app's logger exists). */
  setLog(log: HostLog): void {
    this.opts.log = log;
  }

  // ---------------------------------------------------------------- lifecycle
  start(): void {
    if (this.child || this.killReason?.kind === 'dispose') return;
    this.setState(this.restarts === 0 && this.state !== 'restarting' ? 'starting' : 'restarting');
    let child: EngineChild;
    try {
      child = this.opts.launcher.launch();
    } catch (e) {
      this.onCrash({ code: null, signal: null, stderrTail: [`cannot start the engine process: ${(e as Error).message}`] });
      return;
    }
    this.child = child;
    child.onMessage((m) => { if (this.child === child) this.onMessage(m); });
    child.onExit((e) => { if (this.child === child) this.onExit(e); });
    child.send({ t: 'init', options: this.options });
    this.readyTimer = setTimeout(() => {
      if (this.child !== child || this.state === 'alive') return;
      this.lastError = `the engine did not start within ${this.readyTimeoutMs / 1000} s`;
      this.opts.log?.error(this.lastError);
      child.kill();
    }, this.readyTimeoutMs);
  }

  get status(): EngineStatus {
    const i = this.info;
    return {
      state: this.state,
      backend: i?.backend ?? null,
      deviceName: i?.deviceName ?? '',
      fallbackReason: i?.fallbackReason ?? '',
      computeCapability: i?.computeCapability ?? 0,
      totalMemory: i?.totalMemory ?? 0,
      freeMemory: i?.freeMemory ?? 0,
      cudaCompiled: i?.cudaCompiled ?? false,
      restarts: this.restarts,
      lastError: this.lastError,
      nextRestartAt: this.nextRestartAt,
    };
  }

  onStatus(listener: (s: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Process id of the engine process (null while none runs). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Resolves when the engine is alive (or rejects when it is dead). */
  ready(): Promise<void> {
    if (this.state === 'alive') return Promise.resolve();
    if (this.state === 'dead') return Promise.reject(this.deadError());
    return new Promise((resolve, reject) => {
      this.readyWaiters.push(() => (this.state === 'alive' ? resolve() : reject(this.deadError())));
    });
  }

  async restart(): Promise<EngineStatus> {
    this.crashTimes = [];
    this.lastError = null;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.nextRestartAt = null;
    if (this.child) {
      this.killReason = { kind: 'restart' };
      this.child.kill();
    } else {
      this.start();
    }
    await this.ready().catch(() => undefined);
    return this.status;
  }

  setOptions(options: HostEngineOptions): void {
    if (JSON.stringify(options) === JSON.stringify(this.options)) return;
    this.pendingOptions = options;
    this.applyOptionsWhenIdle();
  }

  async dispose(): Promise<void> {
    this.killReason = { kind: 'dispose' };
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.readyTimer) clearTimeout(this.readyTimer);
    const child = this.child;
    this.failCalls(() => new ApiError('ENGINE_CRASHED', 'the app is shutting down'), true);
    if (child) {
      await new Promise<void>((resolve) => {
        child.onExit(() => resolve());
        child.kill();
        setTimeout(resolve, 2000);
      });
    }
    this.child = null;
    this.setState('dead');
  }

  // ---------------------------------------------------------------- calls
  modelInfo(dir: string): Promise<ModelInfo> {
    return this.call('modelInfo', { dir });
  }
  estimateMemory(dir: string, params: GenerateParams): Promise<MemoryEstimate> {
    return this.call('estimateMemory', { dir, params });
  }
  generate(dir: string, params: GenerateParams, opts?: RunOptions): Promise<Video> {
    return this.call('generate', { dir, params }, opts);
  }
  attentionMap(dir: string, params: GenerateParams, request: AttnMapRequest, opts?: RunOptions): Promise<AttnMap> {
    return this.call('attentionMap', { dir, params, request }, opts);
  }
  calibrate(dir: string, params: GenerateParams, request: CalibrationRequest, opts?: RunOptions): Promise<Calibration> {
    return this.call('calibrate', { dir, params, request }, opts);
  }

  private call<K extends OpName>(op: K, args: Ops[K]['args'], opts?: RunOptions): Promise<Ops[K]['result']> {
    if (this.state === 'dead') return Promise.reject(this.deadError());
    if (opts?.signal?.aborted) return Promise.reject(new ApiError('CANCELLED', 'cancelled'));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const signal = opts?.signal;
      const onAbort = () => this.cancel(id);
      signal?.addEventListener('abort', onAbort, { once: true });
      const call: Call = {
        id, op, args, sent: false, cancelTimer: null,
        resolve: resolve as (v: unknown) => void,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      if (opts?.onProgress) call.onProgress = opts.onProgress;
      this.calls.set(id, call);
      if (this.state === 'alive') this.send(call);
    });
  }

  private send(call: Call): void {
    call.sent = true;
    this.child?.send({ t: 'call', id: call.id, op: call.op, args: call.args } as never);
  }

  private cancel(id: number): void {
    const call = this.calls.get(id);
    if (!call) return;
    if (!call.sent) {
      this.settle(id, new ApiError('CANCELLED', 'cancelled before the engine started it'));
      return;
    }
    this.child?.send({ t: 'cancel', id });
    call.cancelTimer = setTimeout(() => {
      if (!this.calls.has(id) || !this.child) return;
      this.opts.log?.warn(`the engine did not stop within ${this.cancelGraceMs / 1000} s of a cancel; restarting it`);
      this.killReason = { kind: 'cancel', callId: id };
      this.child.kill();
    }, this.cancelGraceMs);
  }

  private settle(id: number, error: ApiError | null, value?: unknown): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    call.detach();
    if (call.cancelTimer) clearTimeout(call.cancelTimer);
    if (error) call.reject(error);
    else call.resolve(value);
    this.applyOptionsWhenIdle();
  }

  // ---------------------------------------------------------------- child events
  private onMessage(m: ChildMessage): void {
    switch (m.t) {
      case 'ready':
        if (this.readyTimer) clearTimeout(this.readyTimer);
        this.readyTimer = null;
        this.info = m.info;
        this.nextRestartAt = null;
        this.setState('alive');
        this.opts.log?.info(`engine ready: ${m.info.backend} ${m.info.deviceName}` +
          (m.info.fallbackReason ? ` (fallback: ${m.info.fallbackReason})` : ''));
        for (const c of this.calls.values()) if (!c.sent) this.send(c);
        this.flushReadyWaiters();
        break;
      case 'initFailed':
        // Deterministic (missing addon, no such device): restarting would fail the same way.
        this.lastError = `${m.error.code}: ${m.error.message}`;
        this.opts.log?.error(`the engine could not start: ${this.lastError}`);
        this.failCalls(() => new ApiError(m.error.code, m.error.message), true);
        this.killReason = { kind: 'dispose' };
        this.child?.kill();
        this.child = null;
        this.killReason = null;
        this.setState('dead');
        this.flushReadyWaiters();
        break;
      case 'progress':
        try { this.calls.get(m.id)?.onProgress?.(m.progress); } catch (e) {
          this.opts.log?.warn(`progress listener failed: ${(e as Error).message}`);
        }
        break;
      case 'result':
        if (m.ok) this.settle(m.id, null, m.value);
        else this.settle(m.id, new ApiError(m.error.code, m.error.message));
        break;
      case 'log':
        this.opts.log?.[m.level === 'debug' ? 'info' : m.level](`engine: ${m.message}`);
        break;
    }
  }

  private onExit(e: ChildExit): void {
    this.child = null;
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.readyTimer = null;
    const reason = this.killReason;
    this.killReason = null;
    if (reason?.kind === 'dispose') return;
    if (reason?.kind === 'restart') {
      this.failCalls(() => new ApiError('ENGINE_CRASHED', 'the engine was restarted'), false);
      this.restarts++;
      this.start();
      return;
    }
    if (reason?.kind === 'cancel') {
      this.settle(reason.callId, new ApiError('CANCELLED', 'cancelled (the engine was restarted to stop it)'));
      this.failCalls(() => new ApiError('ENGINE_CRASHED', 'the engine was restarted to stop a cancelled job'), false);
      this.restarts++;
      this.start();
      return;
    }
    this.onCrash(e);
  }

  private onCrash(e: ChildExit): void {
    const why = this.lastError && this.state !== 'alive' ? this.lastError : describeExit(e);
    this.lastError = why;
    this.opts.log?.error(why);
    this.failCalls(() => new ApiError('ENGINE_CRASHED', why), false);
    const now = Date.now();
    this.crashTimes = this.crashTimes.filter((t) => now - t < this.crashWindowMs);
    this.crashTimes.push(now);
    if (this.crashTimes.length >= this.maxCrashes) {
      this.opts.log?.error(`the engine crashed ${this.crashTimes.length} times; not restarting it (use Restart engine)`);
      this.failCalls(() => this.deadError(), true);
      this.setState('dead');
      this.flushReadyWaiters();
      return;
    }
    const backoff = this.opts.backoffMs ?? DEFAULT_BACKOFF;
    const delay = backoff[Math.min(this.crashTimes.length - 1, backoff.length - 1)] ?? 1000;
    this.nextRestartAt = now + delay;
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts++;
      this.start();
    }, delay);
  }

  /** Rejects calls in flight (and, with all, those still waiting to be sent). */
  private failCalls(err: () => ApiError, all: boolean): void {
    for (const c of [...this.calls.values()]) if (all || c.sent) this.settle(c.id, err());
  }

  private applyOptionsWhenIdle(): void {
    if (!this.pendingOptions || this.calls.size > 0) return;
    this.options = this.pendingOptions;
    this.pendingOptions = null;
    if (this.child) {
      this.opts.log?.info('engine options changed; restarting the engine');
      this.killReason = { kind: 'restart' };
      this.child.kill();
    }
  }

  private flushReadyWaiters(): void {
    const w = this.readyWaiters;
    this.readyWaiters = [];
    for (const f of w) f();
  }

  private deadError(): ApiError {
    return new ApiError('ENGINE_CRASHED', `the engine is not running${this.lastError ? `: ${this.lastError}` : ''}`);
  }

  private setState(s: EngineStatus['state']): void {
    this.state = s;
    const st = this.status;
    for (const l of [...this.listeners]) {
      try { l(st); } catch { /* listeners must not break the host */ }
    }
  }

  private get readyTimeoutMs(): number { return this.opts.readyTimeoutMs ?? 120_000; }
  private get cancelGraceMs(): number { return this.opts.cancelGraceMs ?? 30_000; }
  private get maxCrashes(): number { return this.opts.maxCrashes ?? 5; }
  private get crashWindowMs(): number { return this.opts.crashWindowMs ?? 5 * 60_000; }
}

export type { EngineErrorCode };
