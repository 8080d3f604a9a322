// Pure logic of the attention-map visualizer: token and tile indexing in the engine's orders
// (raster (t, h, w) for tokens, raster over tiles for tiles), per-frame heatmap images, the kept
// matrix of a pattern computed from the same geometry as the engine, and how much of the measured
// attention mass a window keeps.
import { staKeeps, tileKeepsFrames, tilesPerAxis, type HeadPattern, type Vec3 } from '../attention/geometry';

export function tokenIndex(grid: Vec3, t: number, h: number, w: number): number {
  return (t * grid[1] + h) * grid[2] + w;
}

export function tokenCoords(grid: Vec3, index: number): Vec3 {
  const w = index % grid[2];
  const h = Math.floor(index / grid[2]) % grid[1];
  const t = Math.floor(index / (grid[1] * grid[2]));
  return [t, h, w];
}

export function tileGrid(grid: Vec3, tile: Vec3): Vec3 {
  return [tilesPerAxis(grid[0], tile[0]), tilesPerAxis(grid[1], tile[1]), tilesPerAxis(grid[2], tile[2])];
}

export function tileIndex(tiles: Vec3, tt: number, th: number, tw: number): number {
  return (tt * tiles[1] + th) * tiles[2] + tw;
}

export function tileCoords(tiles: Vec3, index: number): Vec3 {
  return tokenCoords(tiles, index);
}

export function tileOfToken(grid: Vec3, tile: Vec3, index: number): number {
  const [t, h, w] = tokenCoords(grid, index);
  return tileIndex(tileGrid(grid, tile), Math.floor(t / tile[0]), Math.floor(h / tile[1]), Math.floor(w / tile[2]));
}

/** Token at a click position (fractions 0..1 across the frame's width and height) in frame t. */
export function tokenAt(grid: Vec3, t: number, fx: number, fy: number): number {
  const h = Math.min(grid[1] - 1, Math.max(0, Math.floor(fy * grid[1])));
  const w = Math.min(grid[2] - 1, Math.max(0, Math.floor(fx * grid[2])));
  return tokenIndex(grid, t, h, w);
}

export type Scale = 'linear' | 'log';

/** The smallest value a log scale shows: four decades under the max at most. */
export const LOG_DECADES = 4;

export interface Range {
  lo: number;
  hi: number;
}

/** The range a scale maps to 0..1: linear from 0 to the max; log from the smallest positive value (at
 *  most LOG_DECADES below the max) to the max, so near-uniform maps still show their structure. */
export function scaleRange(values: ArrayLike<number>, scale: Scale): Range {
  let hi = 0;
  let minPos = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > hi) hi = v;
    if (v > 0 && v < minPos) minPos = v;
  }
  if (scale === 'linear' || !(hi > 0)) return { lo: 0, hi };
  return { lo: Math.max(minPos, hi * 10 ** -LOG_DECADES), hi };
}

/** Values mapped to 0..1 with a range shared across frames, so brightness compares between frames. */
export function normalise(values: ArrayLike<number>, range: Range, scale: Scale): Float32Array {
  const out = new Float32Array(values.length);
  const { lo, hi } = range;
  if (!(hi > 0)) return out;
  if (scale === 'linear') {
    for (let i = 0; i < values.length; i++) out[i] = Math.max(0, values[i]) / hi;
    return out;
  }
  const span = Math.log(hi) - Math.log(lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v <= 0 ? 0 : span > 0 ? Math.min(1, Math.max(0, (Math.log(v) - Math.log(lo)) / span)) : 1;
  }
  return out;
}

export function frameSlice(probs: ArrayLike<number>, grid: Vec3, t: number): Float32Array {
  const n = grid[1] * grid[2];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = probs[t * n + i];
  return out;
}

export function maxOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

/** Total probability mass per frame: how attention spreads over time. */
export function massPerFrame(probs: ArrayLike<number>, grid: Vec3): number[] {
  const n = grid[1] * grid[2];
  const out: number[] = [];
  for (let t = 0; t < grid[0]; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += probs[t * n + i];
    out.push(s);
  }
  return out;
}

// A perceptually ordered dark-to-bright ramp (close to "inferno"), readable on light and dark
// backgrounds; control points interpolated linearly.
const RAMP: Array<[number, number, number]> = [
  [0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164],
];

export function colour(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i];
  const b = RAMP[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** RGBA pixels (one per cell) of normalised values, for an ImageData. */
export function toRgba(values: Float32Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = colour(values[i]);
    out.set([r, g, b, 255], i * 4);
  }
  return out;
}

/** [numTiles * numTiles] 1 where a pattern keeps the (query tile, key tile) block. */
export function keptMatrix(grid: Vec3, tile: Vec3, pattern: HeadPattern): Uint8Array {
  const tiles = tileGrid(grid, tile);
  const n = tiles[0] * tiles[1] * tiles[2];
  const out = new Uint8Array(n * n);
  for (let q = 0; q < n; q++) {
    const qc = tileCoords(tiles, q);
    for (let k = 0; k < n; k++) {
      const kc = tileCoords(tiles, k);
      let keep = true;
      if (pattern.pattern === 'sta') {
        keep = [0, 1, 2].every((a) => staKeeps(qc[a], kc[a], Math.max(1, pattern.window[a]), tiles[a]));
      } else if (pattern.pattern === 'tile') {
        // Kept when any frame pair of the two tiles' frame ranges is kept.
        const qb = qc[0] * tile[0];
        const qe = Math.min(grid[0], qb + tile[0]);
        const kb = kc[0] * tile[0];
        const ke = Math.min(grid[0], kb + tile[0]);
        keep = Math.max(qb, kb) < Math.min(qe, ke) || tileKeepsFrames(qb, kb, pattern.globalFrames);
      }
      out[q * n + k] = keep ? 1 : 0;
    }
  }
  return out;
}

/** Mean over query tiles of the attention mass that falls inside the kept blocks (1 = nothing lost). */
export function capturedMass(tileMass: ArrayLike<number>, kept: ArrayLike<number>, numTiles: number): number {
  if (numTiles <= 0) return 1;
  let total = 0;
  for (let q = 0; q < numTiles; q++) {
    let row = 0;
    for (let k = 0; k < numTiles; k++) if (kept[q * numTiles + k]) row += tileMass[q * numTiles + k];
    total += row;
  }
  return total / numTiles;
}
