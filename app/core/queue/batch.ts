// Expands a batch request (prompt list x seeds x parameter grid) into one GenerateParams per
// job, in a stable order: prompts outermost, then seeds, then grid axes in declaration order.
import type { z } from 'zod';
import { ApiError } from '../../contract/errors.js';
import { type BatchSpecSchema, MAX_BATCH_JOBS } from '../../contract/methods.js';
import type { GenerateParams } from '../../engine/types.js';

export type BatchSpec = z.output<typeof BatchSpecSchema>;

export function batchSeeds(spec: BatchSpec): number[] {
  const s = spec.seeds;
  if (!s) return [spec.base.seed];
  if (Array.isArray(s)) return s;
  if (s.from + s.count - 1 > Number.MAX_SAFE_INTEGER) throw new ApiError('BAD_REQUEST', 'seed sweep runs past the largest seed');
  return Array.from({ length: s.count }, (_, i) => s.from + i);
}

export function expandBatch(spec: BatchSpec): GenerateParams[] {
  const prompts = spec.prompts
    ? spec.prompts.map((p) => p.trim()).filter((p) => p.length > 0)
    : [spec.base.prompt];
  if (prompts.length === 0) throw new ApiError('BAD_REQUEST', 'the prompt list is empty');
  const seeds = batchSeeds(spec);
  const g = spec.grid ?? {};
  const axes: Array<Array<Partial<GenerateParams>>> = [];
  if (g.steps) axes.push(g.steps.map((steps) => ({ steps })));
  if (g.guidance) axes.push(g.guidance.map((guidance) => ({ guidance })));
  if (g.shift) axes.push(g.shift.map((shift) => ({ shift })));
  if (g.sampler) axes.push(g.sampler.map((sampler) => ({ sampler })));
  if (g.size) axes.push(g.size.map(([width, height]) => ({ width, height })));
  if (g.frames) axes.push(g.frames.map((frames) => ({ frames })));
  let combos: Array<Partial<GenerateParams>> = [{}];
  for (const axis of axes) combos = combos.flatMap((c) => axis.map((v) => ({ ...c, ...v })));

  const total = prompts.length * seeds.length * combos.length;
  if (total > MAX_BATCH_JOBS) {
    throw new ApiError('BAD_REQUEST', `the batch would create ${total} jobs (at most ${MAX_BATCH_JOBS})`);
  }
  const out: GenerateParams[] = [];
  for (const prompt of prompts)
    for (const seed of seeds)
      for (const c of combos) {
        const p: GenerateParams = { ...spec.base, ...c, prompt, seed };
        // An explicit timestep list only makes sense for the few-step sampler.
        if (c.sampler && c.sampler !== 'fewstep') delete p.timesteps;
        if (p.sampler === 'fewstep' && p.timesteps && c.steps === undefined) p.steps = p.timesteps.length;
        out.push(p);
      }
  return out;
}
