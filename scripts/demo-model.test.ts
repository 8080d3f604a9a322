import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PromptTokenizer } from '../app/engine/tokenizer.js';
// @ts-expect-error plain ESM script without type declarations
import { DIT_CONFIG, T5_CONFIG, VAE_CONFIG, makeDemoModel } from './make-demo-model.mjs';
// @ts-expect-error plain ESM script without type declarations
import { ditTensors, t5Tensors, vaeTensors } from './demo-model/architecture.mjs';
// @ts-expect-error plain ESM script without type declarations
import { readSafetensorsHeader } from './demo-model/safetensors.mjs';

type Header = { tensors: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; metadata: Record<string, string>; dataStart: number };
type Spec = { name: string; shape: number[] };

const golden = process.env.TESSERA_GOLDEN_DIR ?? resolve(__dirname, '..', '..', 'shared', 'golden');
const work = mkdtempSync(join(tmpdir(), 'tsr-demo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('Wan2.1 tensor layouts', () => {
  // The official modules' state dicts in the golden fixtures are the ground truth for names and shapes.
  const cases: Array<[string, (cfg: unknown) => Spec[]]> = [
    ['wan_dit_tiny', ditTensors], ['wan_dit_tiny_b', ditTensors], ['umt5_tiny', t5Tensors], ['umt5_long', t5Tensors],
    ['wan_vae_tiny', vaeTensors],
  ];
  for (const [name, fn] of cases) {
    it(`match the official ${name} state dict key for key`, () => {
      expect(existsSync(golden), `golden fixtures expected in ${golden} (set TESSERA_GOLDEN_DIR)`).toBe(true);
      const cfg = JSON.parse((readSafetensorsHeader(join(golden, `${name}.io.safetensors`)) as Header).metadata.config!);
      const ref = (readSafetensorsHeader(join(golden, `${name}.weights.safetensors`)) as Header).tensors;
      const mine = Object.fromEntries(fn(cfg).map((t) => [t.name, t.shape]));
      expect(Object.keys(mine).sort()).toEqual(Object.keys(ref).sort());
      for (const [k, v] of Object.entries(ref)) expect(mine[k], k).toEqual(v.shape);
    });
  }
});

function readTensor(file: string, name: string): Float32Array {
  const h = readSafetensorsHeader(file) as Header;
  const t = h.tensors[name]!;
  const buf = readFileSync(file);
  const bytes = buf.subarray(h.dataStart + t.data_offsets[0], h.dataStart + t.data_offsets[1]);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('make-demo-model', () => {
  const a = join(work, 'a');
  makeDemoModel(a);

  it('writes the official layout with a config for every component', () => {
    const files = readdirSync(a).sort();
    expect(files).toEqual(expect.arrayContaining(['config.json', 'diffusion_pytorch_model.safetensors', 'Wan2.1_VAE.safetensors',
      'models_t5_umt5-xxl-enc-bf16.safetensors', 'google', 'tessera.json']));
    expect(JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'))).toMatchObject({ dim: DIT_CONFIG.dim, text_dim: T5_CONFIG.dim });
    const tj = JSON.parse(readFileSync(join(a, 'tessera.json'), 'utf8'));
    expect(tj).toMatchObject({ format: 'tessera-model/1', t5: T5_CONFIG, vae: VAE_CONFIG });
    expect(tj.defaults).toMatchObject({ width: 128, height: 128, frames: 17, steps: 8, sampler: 'unipc' });
    const dit = readSafetensorsHeader(join(a, 'diffusion_pytorch_model.safetensors')) as Header;
    expect(Object.keys(dit.tensors)).toHaveLength(ditTensors(DIT_CONFIG).length);
    const t5 = readSafetensorsHeader(join(a, 'models_t5_umt5-xxl-enc-bf16.safetensors')) as Header;
    expect(t5.tensors['token_embedding.weight']!.shape).toEqual([T5_CONFIG.vocab, T5_CONFIG.dim]);
  });

  it('scales weights by 1/sqrt(fan_in) so activations stay finite', () => {
    const file = join(a, 'diffusion_pytorch_model.safetensors');
    const w = readTensor(file, 'blocks.0.ffn.0.weight'); // fan_in = dim
    const mean = w.reduce((s, x) => s + x, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeGreaterThan(0.95 / Math.sqrt(DIT_CONFIG.dim));
    expect(std).toBeLessThan(1.05 / Math.sqrt(DIT_CONFIG.dim));
    expect(w.every(Number.isFinite)).toBe(true);
    expect(Array.from(readTensor(file, 'blocks.1.self_attn.norm_q.weight')).every((x) => x === 1)).toBe(true);
  });

  it('is reproducible: the same seed writes the same bytes, another seed other weights', () => {
    const b = join(work, 'b');
    const c = join(work, 'c');
    makeDemoModel(b);
    makeDemoModel(c, { seed: 7 });
    for (const f of ['diffusion_pytorch_model.safetensors', 'Wan2.1_VAE.safetensors', 'models_t5_umt5-xxl-enc-bf16.safetensors', 'tessera.json']) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    }
    expect(readFileSync(join(a, 'Wan2.1_VAE.safetensors')).equals(readFileSync(join(c, 'Wan2.1_VAE.safetensors')))).toBe(false);
    expect(makeDemoModel(b).skipped).toBe(true);
    expect(makeDemoModel(b, { force: true }).skipped).toBe(false);
  });

  it('ships a tokenizer that knows every word of a synthetic caption', () => {
    const tok = PromptTokenizer.fromModelDir(a);
    const ids = Array.from(tok.encode('Two small red balls bouncing slowly on a blue checkered background.', 64));
    expect(ids).not.toContain(2);
    expect(ids[ids.length - 1]).toBe(1);
    expect(Math.max(...ids)).toBeLessThan(T5_CONFIG.vocab);
    expect(Array.from(tok.encode('a purple elephant', 64))).toEqual([tok.encode('a', 64)[0], expect.any(Number), 2, 1]);
  });
});
