// Quick look at a folder before the engine loads it, so a wrong folder gets a message that
// names what is missing (docs/model-folder.md lists both layouts).
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/errors.js';
import type { GenerateParams, ModelInfo } from '../../engine/types.js';

export type Layout = 'official' | 'diffusers';

function has(dir: string, rel: string): boolean {
  return fs.existsSync(path.join(dir, rel));
}

function anyFile(dir: string, re: RegExp): boolean {
  try {
    return fs.readdirSync(dir).some((f) => re.test(f));
  } catch {
    return false;
  }
}

/** The layout of a model folder, or INVALID_MODEL naming the missing pieces. */
export function detectLayout(dir: string): Layout {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new ApiError('NOT_FOUND', `the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new ApiError('INVALID_MODEL', `${dir} is a file, not a model folder`);

  if (has(dir, 'transformer')) {
    const missing = [
      has(dir, 'transformer/config.json') ? null : 'transformer/config.json',
      anyFile(path.join(dir, 'transformer'), /^diffusion_pytorch_model.*\.safetensors$/) ? null : 'transformer/diffusion_pytorch_model*.safetensors',
      anyFile(path.join(dir, 'vae'), /\.safetensors$/) ? null : 'vae/*.safetensors',
      anyFile(path.join(dir, 'text_encoder'), /\.safetensors$/) ? null : 'text_encoder/*.safetensors',
      has(dir, 'tokenizer/tokenizer.json') ? null : 'tokenizer/tokenizer.json',
    ].filter((x): x is string => x !== null);
    if (missing.length) throw new ApiError('INVALID_MODEL', `${dir} looks like a Diffusers Wan2.1 folder but lacks ${missing.join(', ')}`);
    return 'diffusers';
  }
  const official = [
    has(dir, 'config.json') ? null : 'config.json',
    anyFile(dir, /^diffusion_pytorch_model.*\.safetensors$/) ? null : 'diffusion_pytorch_model*.safetensors',
    anyFile(dir, /^Wan2\.1_VAE\.(pth|safetensors)$/) ? null : 'Wan2.1_VAE.pth',
    anyFile(dir, /^models_t5.*\.(pth|safetensors)$/) ? null : 'models_t5_umt5-xxl-enc-bf16.pth',
    has(dir, 'google/umt5-xxl/tokenizer.json') ? null : 'google/umt5-xxl/tokenizer.json',
  ].filter((x): x is string => x !== null);
  if (official.length === 5) {
    throw new ApiError('INVALID_MODEL', `${dir} is not a Wan2.1 model folder (neither the official layout nor the Diffusers layout)`);
  }
  if (official.length) throw new ApiError('INVALID_MODEL', `${dir} looks like an official Wan2.1 folder but lacks ${official.join(', ')}`);
  return 'official';
}

/** Bytes of all files under dir (links followed, as model caches link to blobs). */
export function folderSize(dir: string): number {
  let total = 0;
  const stack = [dir];
  const seen = new Set<string>();
  while (stack.length) {
    const d = stack.pop()!;
    let entries: string[];
    try {
      entries = fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const name of entries) {
      const p = path.join(d, name);
      let st: fs.Stats;
      try { st = fs.statSync(p); } catch { continue; }
      if (st.isDirectory()) {
        const key = `${st.dev}:${st.ino}`;
        if (!seen.has(key)) { seen.add(key); stack.push(p); }
      } else {
        total += st.size;
      }
    }
  }
  return total;
}

/** The params a new prompt starts from: the folder's defaults, Wan2.1's where absent. */
export function defaultParams(info: ModelInfo): GenerateParams {
  const d = info.defaults;
  const p: GenerateParams = {
    prompt: '',
    width: d.width || 832,
    height: d.height || 480,
    frames: d.frames || 81,
    steps: d.steps || 50,
    guidance: d.guidance || 5,
    shift: d.shift || 5,
    seed: 0,
    sampler: d.sampler || 'unipc',
  };
  if (d.timesteps.length > 0) p.timesteps = [...d.timesteps];
  return p;
}
