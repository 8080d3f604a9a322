import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultParams, detectLayout, folderSize } from './model-folder.js';
import { fakeModelInfo } from '../../host/test/fake-engine.js';

function folder(files: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsr-layout-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), 'x'.repeat(10));
  }
  return dir;
}

describe('model folder layouts', () => {
  test('official layout (pth or safetensors, sharded DiT)', () => {
    expect(detectLayout(folder(['config.json', 'diffusion_pytorch_model.safetensors', 'Wan2.1_VAE.pth',
      'models_t5_umt5-xxl-enc-bf16.pth', 'google/umt5-xxl/tokenizer.json']))).toBe('official');
    expect(detectLayout(folder(['config.json', 'diffusion_pytorch_model-00001-of-00002.safetensors',
      'diffusion_pytorch_model-00002-of-00002.safetensors', 'Wan2.1_VAE.safetensors', 'models_t5_umt5.safetensors',
      'google/umt5-xxl/tokenizer.json']))).toBe('official');
  });

  test('Diffusers layout', () => {
    expect(detectLayout(folder(['transformer/config.json', 'transformer/diffusion_pytorch_model.safetensors',
      'vae/config.json', 'vae/diffusion_pytorch_model.safetensors', 'text_encoder/config.json',
      'text_encoder/model.safetensors', 'tokenizer/tokenizer.json']))).toBe('diffusers');
  });

  test('incomplete or foreign folders name what is missing', () => {
    expect(() => detectLayout(folder(['config.json', 'Wan2.1_VAE.pth']))).toThrow(/lacks diffusion_pytorch_model\*\.safetensors, models_t5/);
    expect(() => detectLayout(folder(['transformer/config.json']))).toThrow(/Diffusers .* lacks transformer\/diffusion_pytorch_model/);
    expect(() => detectLayout(folder(['README.md']))).toThrow(expect.objectContaining({ code: 'INVALID_MODEL' }));
    expect(() => detectLayout('/no/such/folder')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const f = folder(['a.txt']);
    expect(() => detectLayout(path.join(f, 'a.txt'))).toThrow(/is a file/);
  });

  test('folder size counts every file once; defaults fill what the model leaves out', () => {
    expect(folderSize(folder(['a', 'b/c', 'b/d/e']))).toBe(30);
    const info = fakeModelInfo('/m');
    expect(defaultParams(info)).toEqual({ prompt: '', width: 64, height: 48, frames: 5, steps: 4, guidance: 5, shift: 3, seed: 0, sampler: 'unipc' });
    const bare = { ...info, defaults: { ...info.defaults, width: 0, height: 0, frames: 0, steps: 0, shift: 0 } };
    expect(defaultParams(bare)).toMatchObject({ width: 832, height: 480, frames: 81, steps: 50, shift: 5 });
  });
});
