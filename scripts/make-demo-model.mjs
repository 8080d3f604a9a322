#!/usr/bin/env node
// Writes the built-in demo model (a small, randomly initialised Wan2.1-architecture model in the
// official folder layout) to assets/demo-model/. Seeded and reproducible: the same seed writes the
// same bytes. Skips the work when the folder already holds this generator's output.
//
//   node scripts/make-demo-model.mjs [--out DIR] [--seed N] [--force]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ditTensors, t5Tensors, vaeTensors } from './demo-model/architecture.mjs';
import { normalSampler } from './demo-model/rng.mjs';
import { writeSafetensors } from './demo-model/safetensors.mjs';
import { WORDS, SPECIAL, tokenizerConfig, tokenizerJson } from './demo-model/vocab.mjs';

/** Bump when the output changes, so installs regenerate. */
export const GENERATOR_VERSION = 2;
export const DEFAULT_SEED = 20250101;

export const DIT_CONFIG = {
  _class_name: 'WanModel', model_type: 't2v', dim: 128, ffn_dim: 384, freq_dim: 256, text_dim: 64, text_len: 64,
  in_dim: 16, out_dim: 16, num_heads: 4, num_layers: 4, patch_size: [1, 2, 2], window_size: [-1, -1],
  qk_norm: true, cross_attn_norm: true, eps: 1e-6,
};
export const T5_CONFIG = {
  vocab: SPECIAL.length + WORDS.length, dim: 64, dim_attn: 64, dim_ffn: 128, num_heads: 4, num_layers: 2,
  num_buckets: 32, shared_pos: false,
};
export const VAE_CONFIG = { dim: 8, z_dim: 16, dim_mult: [1, 2, 4, 4], num_res_blocks: 1, temperal_downsample: [false, true, true] };
export const DEFAULTS = {
  width: 128, height: 128, frames: 17, steps: 8, guidance: 5.0, shift: 3.0, sampler: 'unipc', timesteps: [],
  negative_prompt: 'static blurry noisy', attention: { tile: [6, 8, 8], rules: [] },
};

/** Output scale of particular tensors: a gentler VAE output head keeps the clamp from saturating. */
const GAIN = { 'decoder.head.2.weight': 0.5 };

/** A separable [1, 2, 1] kernel over the spatial/temporal axes of a conv, with unit L2 norm. */
function smoothKernel(dims) {
  const taps = (k) => (k === 3 ? [1, 2, 1] : k === 1 ? [1] : Array(k).fill(1));
  let kernel = [1];
  for (const k of dims) kernel = kernel.flatMap((a) => taps(k).map((b) => a * b));
  const norm = Math.sqrt(kernel.reduce((s, x) => s + x * x, 0));
  return kernel.map((x) => x / norm);
}

/**
 * Random tensors. With `smooth`, convolution weights are a random channel mix times a fixed
 * low-pass kernel: a random VAE then decodes to soft moving colour fields instead of pixel noise
 * (same output variance as 1/sqrt(fan_in) init).
 */
function materialise(list, sample, { smooth = false } = {}) {
  return list.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const gain = t.gain ?? GAIN[t.name] ?? 1;
    const kdims = t.shape.slice(2);
    const taps = kdims.reduce((a, b) => a * b, 1);
    if (t.init === 'ones') data.fill(1);
    else if (t.init === 'normal' && smooth && t.shape.length >= 4 && taps > 1) {
      const kernel = smoothKernel(kdims);
      const std = gain / Math.sqrt(t.shape[1]);
      for (let oi = 0; oi < n / taps; oi++) {
        const m = sample() * std;
        for (let j = 0; j < taps; j++) data[oi * taps + j] = m * kernel[j];
      }
    } else if (t.init === 'normal') {
      const std = gain / Math.sqrt(t.fanIn);
      for (let i = 0; i < n; i++) data[i] = sample() * std;
    }
    return { name: t.name, dtype: 'F32', shape: t.shape, data };
  });
}

function stamp(seed) {
  const h = createHash('sha256');
  h.update(JSON.stringify({ GENERATOR_VERSION, seed, DIT_CONFIG, T5_CONFIG, VAE_CONFIG, DEFAULTS, WORDS }));
  return h.digest('hex');
}

/** True when the folder holds the trained demo model (training/ship.py), which this generator must keep. */
export function isTrainedModel(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'tessera.json'), 'utf8')).training !== undefined;
  } catch {
    return false;
  }
}

export function makeDemoModel(outDir, { seed = DEFAULT_SEED, force = false } = {}) {
  const out = resolve(outDir);
  // The trained model shipped in assets/ takes precedence: random weights are only the fallback.
  if (!force && isTrainedModel(out)) return { out, skipped: true };
  const stampFile = join(out, '.generator-stamp');
  const want = stamp(seed);
  if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === want) return { out, skipped: true };

  // Build in a sibling folder, then swap it in, so an interrupted run never leaves half a model.
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'google', 'umt5-xxl'), { recursive: true });
  // One stream per component: changing one component's size leaves the others' weights alone.
  const meta = { format: 'pt', generator: `tessera make-demo-model v${GENERATOR_VERSION}`, seed: String(seed) };
  writeSafetensors(join(tmp, 'diffusion_pytorch_model.safetensors'), materialise(ditTensors(DIT_CONFIG), normalSampler(seed)), meta);
  writeSafetensors(join(tmp, 'models_t5_umt5-xxl-enc-bf16.safetensors'), materialise(t5Tensors(T5_CONFIG), normalSampler(seed + 1)), meta);
  writeSafetensors(join(tmp, 'Wan2.1_VAE.safetensors'), materialise(vaeTensors(VAE_CONFIG), normalSampler(seed + 2), { smooth: true }), meta);
  writeFileSync(join(tmp, 'config.json'), JSON.stringify(DIT_CONFIG, null, 2) + '\n');
  writeFileSync(join(tmp, 'google', 'umt5-xxl', 'tokenizer.json'), JSON.stringify(tokenizerJson(), null, 1) + '\n');
  writeFileSync(join(tmp, 'google', 'umt5-xxl', 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(), null, 2) + '\n');
  const tessera = {
    format: 'tessera-model/1',
    name: 'Tessera demo (random weights)',
    description: 'A small Wan2.1-architecture model with seeded random weights, so that every feature runs on any ' +
      'machine. Its videos are abstract patterns, not the prompt.',
    t5: T5_CONFIG,
    vae: VAE_CONFIG,
    defaults: DEFAULTS,
  };
  writeFileSync(join(tmp, 'tessera.json'), JSON.stringify(tessera, null, 2) + '\n');
  writeFileSync(join(tmp, '.generator-stamp'), want);
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return { out, skipped: false };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const outDir = opt('--out', join(root, 'assets', 'demo-model'));
  const seed = Number(opt('--seed', String(DEFAULT_SEED)));
  if (!Number.isInteger(seed) || seed < 0) {
    console.error(`make-demo-model: --seed must be a non-negative integer`);
    process.exit(2);
  }
  const t0 = Date.now();
  const r = makeDemoModel(outDir, { seed, force: args.includes('--force') });
  console.log(r.skipped ? `demo model up to date in ${r.out}` : `demo model written to ${r.out} in ${Date.now() - t0} ms`);
}
