#!/usr/bin/env node
// Training-free STA windows by the engine's calibration (tsr_calibrate through the Node binding):
// for each calibration prompt the engine samples with dense attention, measures per layer and head
// how far each candidate window's attention output is from the dense one (steps after the first
// `denseSteps`), and this script averages those errors over the prompts and picks per head the
// cheapest window within `maxError` (else the argmin), the engine's own rule. Writes the attention
// config {tile, rules} (rules cover steps >= denseSteps) and the measured errors.
//
//   node training/calibrate.mjs --model runs/teacher/model --out runs/calibration [--max-error 0]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { createEngine } = require('../dist/app/engine/engine.js');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const model = resolve(opt('--model', 'runs/teacher/model'));
const out = resolve(opt('--out', 'runs/calibration'));
const maxError = Number(opt('--max-error', '0'));   // 0: the argmin per head (FastVideo's rule)
const denseSteps = Number(opt('--dense-steps', '12'));
const steps = Number(opt('--steps', '50'));
const tile = JSON.parse(opt('--tile', '[3,2,2]'));
// sparse candidates only (on the 5x8x8 grid, (3,5,5) would be dense attention)
const candidates = JSON.parse(opt('--candidates', '[[1,1,1],[3,1,1],[1,3,3],[3,3,3],[1,5,5]]'));
// calibration prompts: training-style captions, none of them a held-out evaluation prompt
const prompts = JSON.parse(opt('--prompts', JSON.stringify([
  'a green square moving right on a black background',
  'two yellow balls bouncing against a gray background',
  'a big purple triangle growing on a white background',
  'three small orange circles moving up on a blue background',
])));

/** Kept (query tile, key tile) pairs of a window on one axis of n tiles (the clamped rule). */
function keptPairs(n, w) {
  const reach = Math.floor(w / 2);
  if (2 * reach + 1 >= n) return n * n;
  let k = 0;
  for (let q = 0; q < n; q++) {
    const c = Math.min(Math.max(q, reach), n - 1 - reach);
    for (let j = 0; j < n; j++) if (Math.abs(c - j) <= reach) k++;
  }
  return k;
}

const engine = await createEngine({ backend: 'cpu' });
const m = await engine.loadModel(model);
const d = m.info.defaults;
const grid = [(d.frames - 1) / 4 + 1, d.height / 16, d.width / 16];
const tiles = grid.map((g, a) => Math.ceil(g / tile[a]));
const cost = candidates.map((c) => c.reduce((p, w, a) => p * keptPairs(tiles[a], w), 1));
const total = tiles.reduce((p, n) => p * n * n, 1);
let sum = null;
let shape = null;
const t0 = Date.now();
for (const [i, prompt] of prompts.entries()) {
  const params = {
    prompt, width: d.width, height: d.height, frames: d.frames, steps, guidance: d.guidance, shift: d.shift,
    seed: 1000 + i, sampler: 'unipc', negativePrompt: d.negativePrompt ?? '', attention: { tile, rules: [] },
  };
  const cal = await m.calibrate(params, { candidates, denseSteps, maxError });
  shape = [cal.layers, cal.heads, candidates.length];
  sum = sum ?? new Float64Array(cal.errors.length);
  cal.errors.forEach((e, j) => { sum[j] += e / prompts.length; });
  console.error(`calibrated on "${prompt}" (${((Date.now() - t0) / 1000).toFixed(0)} s, engine sparsity ${cal.sparsity.toFixed(3)})`);
}
const [layers, heads, nc] = shape;
const windows = [];
const rules = [];
let kept = 0;
for (let l = 0; l < layers; l++) {
  windows.push([]);
  for (let h = 0; h < heads; h++) {
    const e = Array.from(sum.slice((l * heads + h) * nc, (l * heads + h + 1) * nc));
    const ok = e.map((v, c) => c).filter((c) => e[c] <= maxError);
    const byCost = (a, b) => cost[a] - cost[b] || e[a] - e[b] || a - b;
    const pick = ok.length ? ok.sort(byCost)[0] : e.map((v, c) => c).sort((a, b) => e[a] - e[b] || cost[a] - cost[b] || a - b)[0];
    windows[l].push(candidates[pick]);
    kept += cost[pick] / total;
    rules.push({ steps: [denseSteps, -1], layers: [l, l + 1], head: h, pattern: 'sta', window: candidates[pick] });
  }
}
const sparsityMeasured = 1 - kept / (layers * heads);
const sparsity = sparsityMeasured * (steps - denseSteps) / steps;   // dense steps count as 0
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'attention.json'), JSON.stringify({ tile, rules }, null, 1) + '\n');
writeFileSync(join(out, 'calibration.json'), JSON.stringify({
  model, prompts, candidates, tile, grid, denseSteps, steps, maxError, layers, heads,
  errors: Array.from(sum), windows, sparsityOfSparseSteps: sparsityMeasured, sparsity,
}, null, 1) + '\n');
console.log(JSON.stringify({ windows, sparsityOfSparseSteps: sparsityMeasured, sparsity }));
m.dispose();
engine.dispose();
