import { describe, expect, it } from 'vitest';
import { keptFraction, staKeeps, tilesPerAxis, tileLength, tokenGrid, type Vec3 } from './geometry';

// Independent reference: build the token-level mask from the spec's rule, token by token.
function bruteForce(grid: Vec3, tile: Vec3, keep: (qt: Vec3, kt: Vec3, qf: number, kf: number) => boolean) {
  const tokens: Array<{ t: Vec3; f: number }> = [];
  for (let t = 0; t < grid[0]; t++)
    for (let h = 0; h < grid[1]; h++)
      for (let w = 0; w < grid[2]; w++)
        tokens.push({ t: [Math.floor(t / tile[0]), Math.floor(h / tile[1]), Math.floor(w / tile[2])], f: t });
  let kept = 0;
  const blocks = new Set<string>();
  for (const q of tokens)
    for (const k of tokens)
      if (keep(q.t, k.t, q.f, k.f)) {
        kept += 1;
        blocks.add(`${q.t}|${k.t}`);
      }
  const n = grid.map((g, a) => Math.ceil(g / tile[a]));
  const numTiles = n[0] * n[1] * n[2];
  return { tokens: kept / tokens.length ** 2, blocks: blocks.size / numTiles ** 2 };
}

function staRef(n: Vec3, window: Vec3) {
  return (q: Vec3, k: Vec3) =>
    [0, 1, 2].every((a) => {
      if (window[a] >= n[a]) return true;
      const r = Math.floor(window[a] / 2);
      const c = Math.min(Math.max(q[a], r), n[a] - 1 - r);
      return Math.abs(c - k[a]) <= r;
    });
}

describe('tile geometry', () => {
  it('counts tiles and partial edge tiles', () => {
    expect(tilesPerAxis(30, 8)).toBe(4);
    expect(tileLength(3, 30, 8)).toBe(6);
    expect(tileLength(0, 30, 8)).toBe(8);
    expect(tilesPerAxis(21, 6)).toBe(4);
    expect(tileLength(3, 21, 6)).toBe(3);
  });

  it('clamps the window centre so border tiles see a full window', () => {
    // 10 tiles, window 3: tile 0 keeps 0..2, tile 9 keeps 7..9.
    expect([0, 1, 2, 3].map((k) => staKeeps(0, k, 3, 10))).toEqual([true, true, true, false]);
    expect([6, 7, 8, 9].map((k) => staKeeps(9, k, 3, 10))).toEqual([false, true, true, true]);
    // An even window behaves as w + 1.
    expect([0, 1, 2, 3, 4].filter((k) => staKeeps(5, k + 3, 4, 10)).length).toBe(5);
    // A window covering the axis keeps everything.
    expect(staKeeps(0, 9, 12, 10)).toBe(true);
  });

  it('matches a token-level brute force for STA on grids with partial tiles', () => {
    const cases: Array<[Vec3, Vec3, Vec3]> = [
      [[5, 7, 9], [2, 2, 3], [1, 3, 1]],
      [[4, 6, 10], [2, 4, 4], [2, 1, 2]],
      [[3, 5, 5], [1, 2, 2], [3, 2, 5]],
      [[7, 4, 6], [3, 3, 2], [1, 1, 1]],
    ];
    for (const [grid, tile, window] of cases) {
      const n = grid.map((g, a) => Math.ceil(g / tile[a])) as Vec3;
      const ref = bruteForce(grid, tile, staRef(n, window));
      const got = keptFraction(grid, tile, { pattern: 'sta', window });
      expect(got.tokens).toBeCloseTo(ref.tokens, 12);
      expect(got.blocks).toBeCloseTo(ref.blocks, 12);
    }
  });

  it('matches a brute force for Attention Tile, including tiles spanning several frames', () => {
    for (const [grid, tile, k] of [
      [[6, 3, 4], [2, 2, 2], 1],
      [[7, 2, 3], [3, 2, 3], 2],
      [[5, 4, 4], [1, 4, 4], 0],
    ] as Array<[Vec3, Vec3, number]>) {
      const ref = bruteForce(grid, tile, (_q, _k, qf, kf) => qf === kf || qf < k || kf < k);
      const got = keptFraction(grid, tile, { pattern: 'tile', globalFrames: k });
      expect(got.tokens).toBeCloseTo(ref.tokens, 12);
      expect(got.blocks).toBeCloseTo(ref.blocks, 12);
    }
  });

  it('reproduces the published sparsities for 30x48x80 tokens with 6x8x8 tiles', () => {
    const grid: Vec3 = [30, 48, 80];
    expect(1 - keptFraction(grid, [6, 8, 8], { pattern: 'sta', window: [3, 3, 3] }).blocks).toBeCloseTo(0.91, 3);
    expect(1 - keptFraction(grid, [6, 8, 8], { pattern: 'sta', window: [5, 5, 5] }).blocks).toBeCloseTo(0.5833, 3);
  });

  it('computes the token grid of Wan 480p', () => {
    expect(tokenGrid({ width: 832, height: 480, frames: 81 })).toEqual([21, 30, 52]);
    expect(tokenGrid({ width: 128, height: 128, frames: 17 })).toEqual([5, 8, 8]);
  });
});
