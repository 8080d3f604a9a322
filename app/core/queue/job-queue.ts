// The job queue's state machine and scheduler. One job runs at a time (one engine).
//
//   queued ──> running ──> done | failed | cancelled
//     │           └──(app stops)──> interrupted  (on the next start; never re-run by itself)
//     └──> cancelled        failed | cancelled | interrupted ──retry──> queued
//
// Interactive jobs (attention maps, calibration) have priority 1: they run before queued
// generations and also while the queue is paused, so a paused overnight batch does not block
// the attention tools.
import { randomUUID } from 'node:crypto';
import type { EventSink } from '../../contract/api.js';
import type { BatchFinished, Job, JobKind, JobProgress, QueueSnapshot } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';
import type { ExportSettings } from '../../contract/params.js';
import type { GenerateParams } from '../../engine/types.js';
import type { KvStore } from '../db/database.js';
import type { SourceLogger } from '../logs/logger.js';
import { FINISHED_STATES, type JobStore, type StoredJob } from './job-store.js';

export interface JobSpec {
  kind: JobKind;
  modelId: string;
  params: GenerateParams;
  export: ExportSettings;
  label: string;
  request?: Job['request'];
  batchId?: string | null;
}

export interface RunContext {
  signal: AbortSignal;
  progress(p: Omit<JobProgress, 'jobId'>): void;
}

export interface RunOutcome {
  outputId?: string | null;
  /** Result handed to whoever waits for the job (attention map, calibration). */
  result?: unknown;
}

/** Runs one job to completion; rejects with an error carrying `code` on failure. */
export type JobRunner = (job: Job, ctx: RunContext) => Promise<RunOutcome>;

export interface JobFinished {
  job: Job;
  result: unknown;
}

const PAUSED_KEY = 'queue.paused';

export class JobQueue {
  private running: { id: string; ctl: AbortController } | null = null;
  private readonly progress = new Map<string, JobProgress>();
  private readonly waiters = new Map<string, Array<(f: JobFinished) => void>>();
  private paused: boolean;
  private pumping = false;
  private started = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  /** Called when a job or a whole batch finishes (notifications). */
  onFinished: ((job: Job) => void) | null = null;
  onBatchFinished: ((b: BatchFinished) => void) | null = null;
  /** Whether a job may start now (false while the engine is dead: jobs stay queued rather than
   *  all failing one after another). Call poke() when it changes. */
  canRun: () => boolean = () => true;

  constructor(
    private readonly store: JobStore,
    private readonly kv: KvStore,
    private readonly events: EventSink,
    private readonly runner: JobRunner,
    private readonly log: SourceLogger,
  ) {
    this.paused = kv.get<boolean>(PAUSED_KEY) ?? false;
  }

  /** Recovers after a restart and starts running queued jobs. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const interrupted = this.store.markInterrupted(Date.now());
    if (interrupted.length) this.log.warn(`${interrupted.length} job(s) were running when Tessera stopped: marked interrupted`);
    this.pump();
  }

  /** Stops scheduling (shutdown): the running job is left as it is and comes back 'interrupted'. */
  stop(): void {
    this.stopped = true;
    this.running?.ctl.abort();
  }

  // ---------------------------------------------------------------- reads
  snapshot(): QueueSnapshot {
    return { paused: this.paused, jobs: this.store.list().map((j) => this.view(j)) };
  }

  get(id: string): Job {
    const j = this.store.get(id);
    if (!j) throw new ApiError('NOT_FOUND', `no job ${id}`);
    return this.view(j);
  }

  isIdle(): boolean {
    return this.running === null;
  }

  /** Resolves when nothing runs and nothing runnable is queued (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running && !this.store.nextQueued(this.paused)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  // ---------------------------------------------------------------- writes
  submit(spec: JobSpec): Job {
    return this.submitMany([spec])[0]!;
  }

  submitMany(specs: JobSpec[]): Job[] {
    let pos = this.store.maxPosition();
    const now = Date.now();
    const jobs: StoredJob[] = specs.map((s) => ({
      id: randomUUID(), kind: s.kind, state: 'queued', position: ++pos, priority: s.kind === 'generate' ? 0 : 1,
      label: s.label, modelId: s.modelId, params: s.params, export: s.export, request: s.request ?? null,
      batchId: s.batchId ?? null, attempts: 0, createdAt: now, startedAt: null, finishedAt: null, error: null,
      progress: null, outputId: null,
    }));
    this.store.insertMany(jobs);
    for (const j of jobs) this.emitJob(j);
    this.pump();
    return jobs.map((j) => this.view(j));
  }

  cancel(id: string): Job {
    const j = this.mustGet(id);
    if (j.state === 'queued') {
      this.finish(j, 'cancelled', { code: 'CANCELLED', message: 'cancelled before it started' });
    } else if (j.state === 'running' && this.running?.id === id) {
      this.log.info(`cancelling running job ${id}`);
      this.running.ctl.abort();
    } else if (!FINISHED_STATES.has(j.state)) {
      throw new ApiError('CONFLICT', `job ${id} is ${j.state}`);
    }
    return this.get(id);
  }

  retry(id: string): Job {
    const j = this.mustGet(id);
    if (j.state !== 'failed' && j.state !== 'cancelled' && j.state !== 'interrupted') {
      throw new ApiError('CONFLICT', `only failed, cancelled or interrupted jobs can be retried (job is ${j.state})`);
    }
    this.store.update(id, { state: 'queued', position: this.store.maxPosition() + 1, error: null, startedAt: null, finishedAt: null });
    this.progress.delete(id);
    const updated = this.get(id);
    this.events.emit('job.updated', updated);
    this.pump();
    return updated;
  }

  remove(id: string): boolean {
    const j = this.store.get(id);
    if (!j) return false;
    if (j.state === 'running') throw new ApiError('CONFLICT', 'cancel the running job before removing it');
    this.store.remove(id);
    this.progress.delete(id);
    this.events.emit('job.removed', { id });
    this.resolveWaiters(j, undefined);
    return true;
  }

  clearFinished(): QueueSnapshot {
    for (const id of this.store.removeFinished()) {
      this.progress.delete(id);
      this.events.emit('job.removed', { id });
    }
    return this.snapshot();
  }

  /** The listed queued jobs first in the given order, the remaining queued jobs after them. */
  reorder(ids: string[]): QueueSnapshot {
    const queued = this.store.queuedIds();
    const set = new Set(queued);
    for (const id of ids) {
      if (!set.has(id)) throw new ApiError('CONFLICT', `job ${id} is not queued`);
    }
    const first = [...new Set(ids)];
    const rest = queued.filter((id) => !first.includes(id));
    this.store.setPositions([...first, ...rest]);
    for (const id of [...first, ...rest]) this.events.emit('job.updated', this.get(id));
    return this.snapshot();
  }

  pause(): QueueSnapshot {
    this.setPaused(true);
    return this.snapshot();
  }

  resume(): QueueSnapshot {
    this.setPaused(false);
    this.pump();
    return this.snapshot();
  }

  /** Resolves when the job reaches a final state, with its result (attention jobs). */
  waitFor(id: string): Promise<JobFinished> {
    const j = this.mustGet(id);
    if (FINISHED_STATES.has(j.state)) return Promise.resolve({ job: this.view(j), result: undefined });
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** Re-checks whether a queued job can start (e.g. the engine came back). */
  poke(): void {
    this.pump();
  }

  // ---------------------------------------------------------------- scheduling
  private pump(): void {
    if (!this.started || this.stopped || this.pumping || this.running || !this.canRun()) return;
    this.pumping = true;
    try {
      const next = this.store.nextQueued(this.paused);
      if (!next) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const f of w) f();
        return;
      }
      this.run(next);
    } finally {
      this.pumping = false;
    }
  }

  private run(job: StoredJob): void {
    const ctl = new AbortController();
    this.running = { id: job.id, ctl };
    const startedAt = Date.now();
    this.store.update(job.id, { state: 'running', startedAt, attempts: job.attempts + 1, finishedAt: null, error: null });
    const runningJob = this.get(job.id);
    this.events.emit('job.updated', runningJob);
    this.log.info(`job ${job.id} (${job.kind}) started: ${job.label}`);
    const ctx: RunContext = {
      signal: ctl.signal,
      progress: (p) => {
        if (this.running?.id !== job.id) return;
        const full: JobProgress = { ...p, jobId: job.id };
        this.progress.set(job.id, full);
        this.events.emit('job.progress', full);
      },
    };
    let outcome: RunOutcome | null = null;
    Promise.resolve()
      .then(() => this.runner(runningJob, ctx))
      .then((o) => { outcome = o; }, (e: unknown) => { outcome = null; return e; })
      .then((err) => {
        if (this.stopped) return;
        const current = this.store.get(job.id);
        this.running = null;
        if (!current) {
          this.pump();
          return;
        }
        if (outcome) {
          this.finish(current, 'done', null, outcome.outputId ?? null, outcome.result);
        } else {
          const { code, message } = describe(err);
          const state = code === 'CANCELLED' || ctl.signal.aborted ? 'cancelled' : 'failed';
          this.finish(current, state, { code: state === 'cancelled' ? 'CANCELLED' : code, message });
        }
        this.pump();
      })
      .catch((e: unknown) => this.log.error(`job ${job.id}: bookkeeping failed: ${(e as Error).message}`));
  }

  private finish(j: StoredJob, state: 'done' | 'failed' | 'cancelled', error: Job['error'], outputId: string | null = null,
    result?: unknown): void {
    this.store.update(j.id, { state, finishedAt: Date.now(), error, ...(outputId ? { outputId } : {}) });
    const done = this.get(j.id);
    this.log[state === 'failed' ? 'warn' : 'info'](
      `job ${j.id} ${state}${error ? `: ${error.code} ${error.message}` : ''}`);
    this.events.emit('job.updated', done);
    this.resolveWaiters(done, result);
    if (j.kind === 'generate') this.afterGenerateJob(done);
  }

  private afterGenerateJob(job: Job): void {
    if (!job.batchId) {
      if (job.state !== 'cancelled') this.onFinished?.(job);
      return;
    }
    const c = this.store.batchCounts(job.batchId);
    if (c.queued + c.running > 0) return;
    const b: BatchFinished = { batchId: job.batchId, done: c.done, failed: c.failed, cancelled: c.cancelled, interrupted: c.interrupted };
    this.events.emit('batch.finished', b);
    this.onBatchFinished?.(b);
  }

  private resolveWaiters(job: Job, result: unknown): void {
    const list = this.waiters.get(job.id);
    if (!list) return;
    this.waiters.delete(job.id);
    for (const w of list) w({ job, result });
  }

  private setPaused(p: boolean): void {
    if (this.paused === p) return;
    this.paused = p;
    this.kv.set(PAUSED_KEY, p);
    this.log.info(p ? 'queue paused' : 'queue resumed');
    this.events.emit('queue.state', { paused: p });
  }

  private mustGet(id: string): StoredJob {
    const j = this.store.get(id);
    if (!j) throw new ApiError('NOT_FOUND', `no job ${id}`);
    return j;
  }

  private view(j: StoredJob): Job {
    const { priority: _p, ...job } = j;
    return { ...job, progress: j.state === 'running' ? this.progress.get(j.id) ?? null : null };
  }

  private emitJob(j: StoredJob): void {
    this.events.emit('job.updated', this.view(j));
  }
}

function describe(e: unknown): { code: string; message: string } {
  if (e && typeof e === 'object') {
    const { code, message } = e as { code?: unknown; message?: unknown };
    return {
      code: typeof code === 'string' ? code : 'INTERNAL',
      message: typeof message === 'string' ? message : String(e),
    };
  }
  return { code: 'INTERNAL', message: String(e) };
}
