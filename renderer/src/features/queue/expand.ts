// Batch expansion: prompt lists × seed sweeps × parameter grids -> one GenerateParams per job.
// Plain functions so the queue form can show the job count and the first jobs before submitting.
import type { GenerateParams, SamplerKind } from '../../../../app/engine/types';

export const MAX_BATCH_JOBS = 1000;

/** Prompts one per line; blank lines and lines starting with '#' are skipped. */
export function parsePromptList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

export type Parsed<T> = { ok: true; values: T[] } | { ok: false; error: string };

/**
 * Numbers as a comma-separated list of values and ranges: "1, 4, 7", "10..20" (step 1),
 * "0..1:0.25" (with a step). Ranges include both ends when the step lands on the end.
 */
export function parseNumberList(text: string, opts: { integer?: boolean; min?: number; max?: number } = {}): Parsed<number> {
  const values: number[] = [];
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) return { ok: false, error: 'enter at least one value' };
  for (const part of parts) {
    const m = /^(-?[\d.]+(?:e-?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e-?\d+)?)(?:\s*:\s*([\d.]+(?:e-?\d+)?))?$/.exec(part);
    if (m) {
      const [a, b, s] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 1 : Number(m[3])];
      if (![a, b, s].every(Number.isFinite) || s <= 0) return { ok: false, error: `bad range "${part}"` };
      if (b < a) return { ok: false, error: `range "${part}" goes down; write the smaller value first` };
      const count = Math.floor((b - a) / s + 1e-9) + 1;
      if (values.length + count > MAX_BATCH_JOBS) return { ok: false, error: `more than ${MAX_BATCH_JOBS} values` };
      // Multiply instead of accumulating so 0..1:0.1 does not drift.
      for (let i = 0; i < count; i++) values.push(Number((a + i * s).toPrecision(12)));
      continue;
    }
    const v = Number(part);
    if (!Number.isFinite(v) || part === '') return { ok: false, error: `"${part}" is not a number` };
    values.push(v);
  }
  for (const v of values) {
    if (opts.integer && !Number.isInteger(v)) return { ok: false, error: `${v} is not a whole number` };
    if (opts.min !== undefined && v < opts.min) return { ok: false, error: `${v} is below ${opts.min}` };
    if (opts.max !== undefined && v > opts.max) return { ok: false, error: `${v} is above ${opts.max}` };
  }
  return { ok: true, values };
}

/** The batch as the app's queue.submitBatch takes it: the preview below expands it the same way. */
export interface BatchSpec {
  base: GenerateParams;
  prompts?: string[];
  seeds?: number[] | { from: number; count: number };
  grid?: {
    steps?: number[];
    guidance?: number[];
    shift?: number[];
    sampler?: SamplerKind[];
    size?: Array<[number, number]>;
    frames?: number[];
  };
}

export function seedList(seeds: BatchSpec['seeds'], fallback: number): number[] {
  if (!seeds) return [fallback];
  if (Array.isArray(seeds)) return seeds.length > 0 ? seeds : [fallback];
  return Array.from({ length: seeds.count }, (_, i) => seeds.from + i);
}

const GRID_ORDER = ['size', 'frames', 'sampler', 'steps', 'guidance', 'shift'] as const;

export function batchSize(spec: BatchSpec): number {
  const prompts = Math.max(1, spec.prompts?.length ?? 0);
  const seeds = seedList(spec.seeds, spec.base.seed).length;
  const grid = GRID_ORDER.reduce((n, k) => n * Math.max(1, spec.grid?.[k]?.length ?? 0), 1);
  return prompts * seeds * grid;
}

/**
 * Every job of a batch: prompt outermost, then seed, then the grid axes (shift varies fastest),
 * so neighbouring jobs differ in one parameter.
 */
export function expandBatch(spec: BatchSpec): GenerateParams[] {
  const total = batchSize(spec);
  if (total > MAX_BATCH_JOBS) throw new Error(`a batch of ${total} jobs is over the limit of ${MAX_BATCH_JOBS}`);
  const prompts = spec.prompts && spec.prompts.length > 0 ? spec.prompts : [spec.base.prompt];
  const seeds = seedList(spec.seeds, spec.base.seed);
  let combos: Array<Partial<GenerateParams>> = [{}];
  for (const key of GRID_ORDER) {
    const values = spec.grid?.[key];
    if (!values || values.length === 0) continue;
    const next: Array<Partial<GenerateParams>> = [];
    for (const c of combos)
      for (const v of values as Array<unknown>)
        next.push(key === 'size' ? { ...c, width: (v as [number, number])[0], height: (v as [number, number])[1] } : { ...c, [key]: v });
    combos = next;
  }
  const jobs: GenerateParams[] = [];
  for (const prompt of prompts)
    for (const seed of seeds)
      for (const c of combos) {
        const job: GenerateParams = { ...spec.base, prompt, seed, ...c };
        // A few-step schedule fixes the step count to its timestep list.
        if (job.sampler === 'fewstep' && job.timesteps && job.timesteps.length > 0) job.steps = job.timesteps.length;
        jobs.push(job);
      }
  return jobs;
}
