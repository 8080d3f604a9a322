import { describe, expect, it } from 'vitest';
import { keptFraction, type Vec3 } from '../attention/geometry';
import {
  capturedMass, colour, frameSlice, keptMatrix, massPerFrame, normalise, scaleRange, tileOfToken, tokenAt, tokenCoords, tokenIndex,
} from './heatmap';

describe('indexing', () => {
  const grid: Vec3 = [5, 6, 7];
  it('round-trips raster token indices', () => {
    for (let i = 0; i < 5 * 6 * 7; i += 13) {
      const [t, h, w] = tokenCoords(grid, i);
      expect(tokenIndex(grid, t, h, w)).toBe(i);
    }
    expect(tokenIndex(grid, 1, 0, 0)).toBe(42);
  });

  it('maps a click to the token under it, clamped to the frame', () => {
    expect(tokenAt(grid, 2, 0, 0)).toBe(tokenIndex(grid, 2, 0, 0));
    expect(tokenAt(grid, 2, 0.999, 0.5)).toBe(tokenIndex(grid, 2, 3, 6));
    expect(tokenAt(grid, 0, 1.5, -1)).toBe(tokenIndex(grid, 0, 0, 6));
  });

  it('finds a token\'s tile in tile raster order, partial tiles included', () => {
    // tiles (2,4,4) over (5,6,7) -> 3x2x2 tiles; token (4,5,6) is in the last tile.
    expect(tileOfToken(grid, [2, 4, 4], tokenIndex(grid, 4, 5, 6))).toBe(11);
    expect(tileOfToken(grid, [2, 4, 4], tokenIndex(grid, 1, 3, 4))).toBe(1);
  });
});

describe('kept matrix', () => {
  it('agrees with the sparsity estimate for STA and Attention Tile', () => {
    const grid: Vec3 = [7, 10, 9];
    const tile: Vec3 = [2, 4, 4];
    for (const p of [
      { pattern: 'sta' as const, window: [1, 3, 1] as Vec3 },
      { pattern: 'sta' as const, window: [3, 2, 5] as Vec3 },
      { pattern: 'tile' as const, globalFrames: 3 },
      { pattern: 'dense' as const },
    ]) {
      const m = keptMatrix(grid, tile, p);
      const frac = m.reduce((a, b) => a + b, 0) / m.length;
      expect(frac).toBeCloseTo(keptFraction(grid, tile, p).blocks, 12);
    }
  });

  it('keeps the diagonal', () => {
    const m = keptMatrix([4, 8, 8], [1, 4, 4], { pattern: 'sta', window: [1, 1, 1] });
    const n = Math.sqrt(m.length);
    for (let i = 0; i < n; i++) expect(m[i * n + i]).toBe(1);
  });
});

describe('heatmap values', () => {
  it('slices frames and sums their mass', () => {
    const grid: Vec3 = [2, 1, 2];
    const probs = [0.1, 0.2, 0.3, 0.4];
    expect([...frameSlice(probs, grid, 1)]).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    const m = massPerFrame(probs, grid);
    expect(m[0]).toBeCloseTo(0.3);
    expect(m[1]).toBeCloseTo(0.7);
  });

  it('normalises linearly and on a log scale of at most four decades', () => {
    const lin = [0, 0.5, 1];
    expect([...normalise(lin, scaleRange(lin, 'linear'), 'linear')]).toEqual([0, 0.5, 1]);
    const wide = [1, 0.01, 1e-5, 0];
    const r = scaleRange(wide, 'log');
    expect(r.lo).toBeCloseTo(1e-4);
    const log = normalise(wide, r, 'log');
    expect(log[0]).toBeCloseTo(1);
    expect(log[1]).toBeCloseTo(0.5);
    expect(log[2]).toBe(0);
    expect(log[3]).toBe(0);
    // A near-uniform map is stretched over the whole ramp instead of washing out.
    const flat = [0.9, 1, 0.95];
    const f = normalise(flat, scaleRange(flat, 'log'), 'log');
    expect(f[0]).toBeCloseTo(0);
    expect(f[1]).toBeCloseTo(1);
    expect([...normalise([1, 2], { lo: 0, hi: 0 }, 'linear')]).toEqual([0, 0]);
  });

  it('colours dark to bright', () => {
    const lum = (c: number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    let prev = -1;
    for (let v = 0; v <= 1; v += 0.1) {
      const l = lum(colour(v));
      expect(l).toBeGreaterThan(prev);
      prev = l;
    }
  });

  it('measures the mass a window keeps', () => {
    const mass = [0.7, 0.3, 0.2, 0.8];
    expect(capturedMass(mass, [1, 0, 0, 1], 2)).toBeCloseTo(0.75);
    expect(capturedMass(mass, [1, 1, 1, 1], 2)).toBeCloseTo(1);
  });
});
