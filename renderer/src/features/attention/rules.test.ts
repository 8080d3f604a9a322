import { describe, expect, it } from 'vitest';
import { estimatePlan, resolveAll, resolvePattern, rulesFromWindows } from './rules';
import { keptFraction, type Vec3 } from './geometry';

describe('attention rules', () => {
  it('applies rules in order, later ones override, uncovered is dense', () => {
    const cfg = {
      rules: [
        { steps: [2, -1] as [number, number], pattern: 'sta' as const, window: [3, 3, 3] as Vec3 },
        { layers: [1, 2] as [number, number], head: 1, pattern: 'tile' as const, globalFrames: 2 },
      ],
    };
    expect(resolvePattern(cfg, 0, 0, 0)).toEqual({ pattern: 'dense' });
    expect(resolvePattern(cfg, 2, 0, 0)).toEqual({ pattern: 'sta', window: [3, 3, 3] });
    expect(resolvePattern(cfg, 5, 1, 1)).toEqual({ pattern: 'tile', globalFrames: 2 });
    expect(resolvePattern(cfg, 5, 1, 0)).toEqual({ pattern: 'sta', window: [3, 3, 3] });
    expect(resolvePattern(cfg, 0, 1, 1)).toEqual({ pattern: 'tile', globalFrames: 2 });
  });

  it('averages kept work over steps, layers and heads', () => {
    const grid: Vec3 = [21, 30, 52];
    const dense = estimatePlan({ rules: [] }, grid, { layers: 4, heads: 2 }, 10);
    expect(dense.sparsity).toBe(0);
    expect(dense.speedup).toBe(1);
    // Half the steps sparse with window w: mean kept = (1 + f) / 2.
    const w: Vec3 = [3, 3, 5];
    const f = keptFraction(grid, [6, 8, 8], { pattern: 'sta', window: w });
    const half = estimatePlan({ rules: [{ steps: [5, -1], pattern: 'sta', window: w }] }, grid, { layers: 4, heads: 2 }, 10);
    expect(half.tokenSparsity).toBeCloseTo(1 - (1 + f.tokens) / 2, 12);
    expect(half.sparsity).toBeCloseTo(1 - (1 + f.blocks) / 2, 12);
    expect(half.speedup).toBeCloseTo(2 / (1 + f.tokens), 12);
  });

  it('resolves every cell the same way as rule-by-rule lookup', () => {
    const cfg = {
      rules: [
        { steps: [1, -1] as [number, number], pattern: 'sta' as const, window: [3, 3, 3] as Vec3 },
        { steps: [0, 2] as [number, number], layers: [1, 3] as [number, number], head: 2, pattern: 'tile' as const, globalFrames: 1 },
        { layers: [2, -1] as [number, number], head: 0, pattern: 'dense' as const },
        { head: 9, pattern: 'sta' as const, window: [1, 1, 1] as Vec3 },
      ],
    };
    const plan = resolveAll(cfg, 4, 4, 3);
    for (let s = 0; s < 4; s++)
      for (let l = 0; l < 4; l++)
        for (let h = 0; h < 3; h++) expect(plan.patterns[plan.index[(s * 4 + l) * 3 + h]]).toEqual(resolvePattern(cfg, s, l, h));
  });

  it('estimates a per-head calibrated plan of a large model quickly', () => {
    const windows: Vec3[][] = Array.from({ length: 40 }, (_, l) => Array.from({ length: 40 }, (_, h) => [1 + ((l + h) % 3), 3, 5] as Vec3));
    const cfg = { rules: rulesFromWindows(windows, 12) };
    const t0 = performance.now();
    const est = estimatePlan(cfg, [21, 45, 80], { layers: 40, heads: 40 }, 50);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(est.sparsity).toBeGreaterThan(0.5);
  });

  it('turns calibrated windows into rules that resolve back to them', () => {
    const windows: Vec3[][] = [
      [[3, 3, 3], [3, 3, 3]],
      [[1, 5, 7], [3, 1, 10]],
    ];
    const rules = rulesFromWindows(windows, 3);
    expect(rules).toHaveLength(3);
    const cfg = { rules };
    expect(resolvePattern(cfg, 3, 1, 1)).toEqual({ pattern: 'sta', window: [3, 1, 10] });
    expect(resolvePattern(cfg, 3, 0, 1)).toEqual({ pattern: 'sta', window: [3, 3, 3] });
    expect(resolvePattern(cfg, 2, 1, 1)).toEqual({ pattern: 'dense' });
  });
});
