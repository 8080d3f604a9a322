import { describe, expect, test } from 'vitest';
import { BatchSpecSchema } from '../../contract/methods.js';
import { expandBatch } from './batch.js';

const base = { prompt: 'p', width: 64, height: 64, frames: 5, steps: 8, guidance: 5, shift: 3, seed: 1, sampler: 'unipc' as const };

describe('batch expansion', () => {
  test('grid: every combination, in declaration order', () => {
    const out = expandBatch(BatchSpecSchema.parse({ base, grid: { steps: [4, 8], guidance: [1, 5, 7], size: [[64, 32], [32, 64]] } }));
    expect(out).toHaveLength(12);
    expect(out.slice(0, 3).map((p) => [p.steps, p.guidance, p.width, p.height])).toEqual([[4, 1, 64, 32], [4, 1, 32, 64], [4, 5, 64, 32]]);
    expect(new Set(out.map((p) => JSON.stringify(p))).size).toBe(12);
  });

  test('explicit seeds, prompt lists and the size limit', () => {
    expect(expandBatch(BatchSpecSchema.parse({ base, seeds: [5, 9] })).map((p) => p.seed)).toEqual([5, 9]);
    expect(() => expandBatch(BatchSpecSchema.parse({ base, prompts: ['  ', ''] }))).toThrow(/empty/);
    expect(() => expandBatch(BatchSpecSchema.parse({ base, seeds: { from: 0, count: 1000 }, grid: { steps: [1, 2] } })))
      .toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  test('few-step timesteps follow the sampler', () => {
    const few = { ...base, sampler: 'fewstep' as const, steps: 3, timesteps: [1000, 757, 522] };
    const out = expandBatch(BatchSpecSchema.parse({ base: few, grid: { sampler: ['fewstep', 'euler'] } }));
    expect(out[0]).toMatchObject({ sampler: 'fewstep', timesteps: [1000, 757, 522], steps: 3 });
    expect(out[1]!.sampler).toBe('euler');
    expect(out[1]!.timesteps).toBeUndefined();
  });
});
