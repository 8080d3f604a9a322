// Tile geometry of sliding-tile attention, in plain TypeScript, from the same rule the engine uses
// (spec/sparse-attention.md §1, native/src/attention/tile_geometry.h): a query tile keeps a key tile
// iff on every axis |clamp(q, r, n-1-r) - k| <= r with r = floor(w/2); a window >= the tile count
// on an axis keeps the whole axis. Attention Tile keeps frame pairs (fq, fk) with fq == fk or
// either one among the first k global frames. The estimates here drive the live sparsity and
// speed-up read-outs; they never run attention.

export type Vec3 = [number, number, number];

export const DEFAULT_TILE: Vec3 = [6, 8, 8];

export function tilesPerAxis(tokens: number, tile: number): number {
  return Math.ceil(tokens / tile);
}

/** Tokens in tile i of an axis of n tokens (the last one may be partial). */
export function tileLength(i: number, tokens: number, tile: number): number {
  return Math.max(0, Math.min(tile, tokens - i * tile));
}

/** The STA predicate on one axis: does query tile q keep key tile k with window w (in tiles)? */
export function staKeeps(q: number, k: number, window: number, numTiles: number): boolean {
  if (window >= numTiles) return true;
  const r = Math.floor(window / 2);
  const centre = Math.min(Math.max(q, r), numTiles - 1 - r);
  return Math.abs(centre - k) <= r;
}

/** Latent frames a token-frame range of a tile covers on the t axis: [begin, end). */
function tileFrames(i: number, frames: number, tile: number): [number, number] {
  return [i * tile, Math.min(frames, (i + 1) * tile)];
}

/** Attention Tile predicate at frame level. */
export function tileKeepsFrames(fq: number, fk: number, globalFrames: number): boolean {
  return fq === fk || fq < globalFrames || fk < globalFrames;
}

export type HeadPattern =
  | { pattern: 'dense' }
  | { pattern: 'sta'; window: Vec3 }
  | { pattern: 'tile'; globalFrames: number };

export interface KeptFraction {
  /** Fraction of (query tile, key tile) blocks kept: what the engine's `sparsity` counts. */
  blocks: number;
  /** Fraction of (query token, key token) pairs kept: the attention work relative to dense. */
  tokens: number;
}

interface AxisKept {
  blocks: number;
  tokenPairs: number;
}

function staAxis(tokens: number, tile: number, window: number): AxisKept {
  const n = tilesPerAxis(tokens, tile);
  let blocks = 0;
  let tokenPairs = 0;
  for (let q = 0; q < n; q++) {
    const lq = tileLength(q, tokens, tile);
    for (let k = 0; k < n; k++) {
      if (!staKeeps(q, k, window, n)) continue;
      blocks += 1;
      tokenPairs += lq * tileLength(k, tokens, tile);
    }
  }
  return { blocks, tokenPairs };
}

/** Kept fractions of one head pattern on a token grid (t, h, w) with the given tile size. */
export function keptFraction(grid: Vec3, tile: Vec3, head: HeadPattern): KeptFraction {
  if (head.pattern === 'dense') return { blocks: 1, tokens: 1 };
  const n = grid.map((g, a) => tilesPerAxis(g, tile[a])) as Vec3;
  const totalBlocks = (n[0] * n[1] * n[2]) ** 2;
  const totalTokens = (grid[0] * grid[1] * grid[2]) ** 2;
  if (head.pattern === 'sta') {
    // The mask is a product over axes, so kept counts are products of per-axis counts.
    const axes = [0, 1, 2].map((a) => staAxis(grid[a], tile[a], Math.max(1, head.window[a])));
    const blocks = axes.reduce((p, x) => p * x.blocks, 1);
    const tokens = axes.reduce((p, x) => p * x.tokenPairs, 1);
    return { blocks: blocks / totalBlocks, tokens: tokens / totalTokens };
  }
  // Attention Tile: frames are the t axis of the grid; h and w are kept whole.
  const frames = grid[0];
  const k = Math.max(0, Math.min(head.globalFrames, frames));
  let framePairs = 0;
  for (let fq = 0; fq < frames; fq++) {
    for (let fk = 0; fk < frames; fk++) if (tileKeepsFrames(fq, fk, k)) framePairs += 1;
  }
  let tBlocks = 0;
  for (let q = 0; q < n[0]; q++) {
    const [qb, qe] = tileFrames(q, frames, tile[0]);
    for (let kt = 0; kt < n[0]; kt++) {
      const [kb, ke] = tileFrames(kt, frames, tile[0]);
      // A block is kept when any token pair in it is kept (same rule as the engine's kept map).
      const overlap = Math.max(qb, kb) < Math.min(qe, ke);
      if (overlap || qb < k || kb < k) tBlocks += 1;
    }
  }
  return {
    blocks: (tBlocks * (n[1] * n[2]) ** 2) / totalBlocks,
    tokens: framePairs / (frames * frames),
  };
}

/** Token grid (t, h, w) after the VAE and patch embedding, or an error message for invalid sizes. */
export function tokenGrid(
  size: { width: number; height: number; frames: number },
  vaeStride: Vec3 = [4, 8, 8],
  patch: Vec3 = [1, 2, 2],
): Vec3 {
  const t = Math.floor((size.frames - 1) / vaeStride[0]) + 1;
  const h = Math.floor(size.height / vaeStride[1] / patch[1]);
  const w = Math.floor(size.width / vaeStride[2] / patch[2]);
  return [Math.floor(t / patch[0]), h, w];
}
