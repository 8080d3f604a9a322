import { describe, expect, it } from 'vitest';
import type { GenerateParams } from '../../../../app/engine/types';
import { batchSize, expandBatch, MAX_BATCH_JOBS, parseNumberList, parsePromptList, seedList } from './expand';

const base: GenerateParams = {
  prompt: 'a red ball', width: 128, height: 128, frames: 17, steps: 8, guidance: 5, shift: 3, seed: 42, sampler: 'unipc',
};

describe('batch parsing', () => {
  it('reads prompt lists one per line, skipping blanks and comments', () => {
    expect(parsePromptList('a\n\n  b  \r\n# note\nc')).toEqual(['a', 'b', 'c']);
  });

  it('reads values and ranges', () => {
    expect(parseNumberList('1, 4,7')).toEqual({ ok: true, values: [1, 4, 7] });
    expect(parseNumberList('10..13')).toEqual({ ok: true, values: [10, 11, 12, 13] });
    expect(parseNumberList('0..1:0.25')).toEqual({ ok: true, values: [0, 0.25, 0.5, 0.75, 1] });
    expect(parseNumberList('0..0.3:0.1')).toEqual({ ok: true, values: [0, 0.1, 0.2, 0.3] });
    expect(parseNumberList('1..4:2, 9')).toEqual({ ok: true, values: [1, 3, 9] });
  });

  it('rejects bad input with a reason', () => {
    expect(parseNumberList('')).toMatchObject({ ok: false });
    expect(parseNumberList('x')).toMatchObject({ ok: false, error: expect.stringContaining('"x"') });
    expect(parseNumberList('5..1')).toMatchObject({ ok: false, error: expect.stringContaining('smaller') });
    expect(parseNumberList('1.5', { integer: true })).toMatchObject({ ok: false });
    expect(parseNumberList('0', { min: 1 })).toMatchObject({ ok: false });
    expect(parseNumberList('0..5000')).toMatchObject({ ok: false });
  });

  it('sweeps seeds', () => {
    expect(seedList({ from: 100, count: 3 }, 7)).toEqual([100, 101, 102]);
    expect(seedList([5, 9], 7)).toEqual([5, 9]);
    expect(seedList(undefined, 7)).toEqual([7]);
  });
});

describe('batch expansion', () => {
  it('expands prompts × seeds × grid with the last axis fastest', () => {
    const spec = {
      base,
      prompts: ['a', 'b'],
      seeds: [1, 2],
      grid: { steps: [4, 8], guidance: [1, 5, 7] },
    };
    const jobs = expandBatch(spec);
    expect(batchSize(spec)).toBe(24);
    expect(jobs).toHaveLength(24);
    expect(jobs[0]).toMatchObject({ prompt: 'a', seed: 1, steps: 4, guidance: 1 });
    expect(jobs[1]).toMatchObject({ prompt: 'a', seed: 1, steps: 4, guidance: 5 });
    expect(jobs[3]).toMatchObject({ prompt: 'a', seed: 1, steps: 8, guidance: 1 });
    expect(jobs[23]).toMatchObject({ prompt: 'b', seed: 2, steps: 8, guidance: 7 });
    // Everything not varied comes from the base.
    expect(jobs.every((j) => j.width === 128 && j.frames === 17 && j.sampler === 'unipc')).toBe(true);
    expect(new Set(jobs.map((j) => JSON.stringify(j))).size).toBe(24);
  });

  it('varies sizes and frames', () => {
    const jobs = expandBatch({ base, grid: { size: [[128, 128], [160, 96]], frames: [5, 9] } });
    expect(jobs.map((j) => [j.width, j.height, j.frames])).toEqual([[128, 128, 5], [128, 128, 9], [160, 96, 5], [160, 96, 9]]);
  });

  it('uses the base prompt and seed when the lists are empty', () => {
    expect(expandBatch({ base, prompts: [], seeds: [] })).toEqual([base]);
    expect(expandBatch({ base })).toEqual([base]);
  });

  it('keeps few-step jobs consistent with their timesteps', () => {
    const jobs = expandBatch({
      base: { ...base, timesteps: [1000, 757, 522] },
      grid: { sampler: ['unipc', 'fewstep'] },
    });
    expect(jobs[0].steps).toBe(8);
    expect(jobs[1]).toMatchObject({ sampler: 'fewstep', steps: 3 });
  });

  it('refuses batches over the limit', () => {
    const seeds = Array.from({ length: MAX_BATCH_JOBS + 1 }, (_, i) => i);
    expect(() => expandBatch({ base, seeds })).toThrow(/limit/);
    expect(batchSize({ base, seeds: { from: 0, count: 10 }, grid: { size: [[16, 16], [32, 32]] } })).toBe(20);
  });
});
