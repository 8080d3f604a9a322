// The engine wrapper against the real addon and the demo model on the CPU.
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelDir } from './demo-model.js';
import { createEngine } from './engine.js';
import { EngineError } from './errors.js';
import { engineUnavailable } from './test-support.js';
import type { Engine, EngineModel, GenerateParams, Progress } from './types.js';

const skip = engineUnavailable() !== null;
const work = mkdtempSync(join(tmpdir(), 'tsr-engine-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Small and quick: 64x64, 5 frames, 2 steps. */
const small: GenerateParams = {
  prompt: 'a red ball bouncing on a blue background', width: 64, height: 64, frames: 5, steps: 2, guidance: 5, shift: 3,
  seed: 42, sampler: 'unipc',
};

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return (err as EngineError).code;
  }
  throw new Error('expected an EngineError');
}

describe.skipIf(skip)('engine with the demo model', () => {
  let engine: Engine;
  let model: EngineModel;

  beforeAll(async () => {
    engine = await createEngine({ backend: 'cpu' });
    model = await engine.loadModel(demoModelDir());
  });
  afterAll(() => {
    model?.dispose();
    engine?.dispose();
  });

  it('describes the CPU backend and the model from its folder', () => {
    const e = engine.info();
    expect(e.backend).toBe('cpu');
    expect(e.threads).toBeGreaterThan(0);
    const tj = JSON.parse(readFileSync(join(demoModelDir(), 'tessera.json'), 'utf8'));
    const cfg = JSON.parse(readFileSync(join(demoModelDir(), 'config.json'), 'utf8'));
    expect(['f32', 'bf16']).toContain(model.info.weightDtype);
    expect(model.info).toMatchObject({
      layout: 'official', name: tj.name,
      dit: { dim: cfg.dim, ffnDim: cfg.ffn_dim, heads: cfg.num_heads, layers: cfg.num_layers, textLen: cfg.text_len, patch: [1, 2, 2] },
      t5: { dim: tj.t5.dim, layers: tj.t5.num_layers, heads: tj.t5.num_heads, vocab: tj.t5.vocab },
      vae: { zDim: 16, baseDim: tj.vae.dim, stride: [4, 8, 8] },
      defaults: { width: 128, height: 128, frames: 17, steps: tj.defaults.steps, sampler: tj.defaults.sampler,
        negativePrompt: tj.defaults.negative_prompt },
    });
  });

  it('generates a video, with progress for every stage and previews of all frames while denoising', async () => {
    const events: Progress[] = [];
    const video = await model.generate({ ...small, preview: true }, { onProgress: (p) => events.push(p) });
    expect(video).toMatchObject({ frames: 5, width: 64, height: 64 });
    expect(video.rgb.length).toBe(5 * 64 * 64 * 3);
    expect(video.fps).toBeGreaterThan(0);
    const denoise = events.filter((e) => e.stage === 'denoise');
    expect(denoise.map((e) => e.step)).toEqual([1, 2]);
    for (const e of denoise) {
      expect(e.total).toBe(2);
      expect(e.preview).toBeDefined();
      // all frames of the x0 prediction: the latent frames (or the pixel frames) of the clip
      expect([2, 5]).toContain(e.preview!.frames);
      expect(e.preview!.width).toBeGreaterThan(0);
      expect(e.preview!.rgb.length).toBe(e.preview!.frames * e.preview!.width * e.preview!.height * 3);
    }
    expect(events.some((e) => e.stage === 'decode')).toBe(true);
    // the pixels are not constant: the model produced an image
    const first = video.rgb[0];
    expect(video.rgb.some((v) => v !== first)).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await model.generate(small);
    const b = await model.generate(small);
    const c = await model.generate({ ...small, seed: 43 });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(Buffer.from(a.rgb).equals(Buffer.from(c.rgb))).toBe(false);
  });

  it('keeps the event loop running during a generation', async () => {
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 5);
    const t0 = Date.now();
    await model.generate({ ...small, width: 128, height: 128, frames: 17, steps: 8 });
    clearInterval(timer);
    const ms = Date.now() - t0;
    // a blocked loop would tick once or twice; a free one about every 5 ms
    expect(ticks).toBeGreaterThan(ms / 5 / 4);
    expect(ticks).toBeGreaterThan(10);
  });

  it('cancels through an AbortSignal, before and during a run', async () => {
    const pre = new AbortController();
    pre.abort();
    expect(await codeOf(model.generate(small, { signal: pre.signal }))).toBe('CANCELLED');
    const ac = new AbortController();
    const steps: number[] = [];
    const run = model.generate({ ...small, steps: 20 }, {
      signal: ac.signal,
      onProgress: (p) => { if (p.stage === 'denoise') { steps.push(p.step); ac.abort(); } },
    });
    expect(await codeOf(run)).toBe('CANCELLED');
    expect(steps.length).toBeLessThan(20);
    // the model is usable afterwards
    expect((await model.generate(small)).frames).toBe(5);
  });

  it('cancels a call still waiting behind another one at once', async () => {
    let firstDone = false;
    const first = model.generate({ ...small, width: 128, height: 128, frames: 17, steps: 8 }).then((v) => { firstDone = true; return v; });
    const ac = new AbortController();
    const waiting = model.generate(small, { signal: ac.signal });
    ac.abort();
    expect(await codeOf(waiting)).toBe('CANCELLED');
    expect(firstDone).toBe(false); // rejected while the first call was still running
    expect((await first).frames).toBe(17);
  });

  it('rejects invalid sizes with INVALID_SIZE', async () => {
    expect(await codeOf(model.generate({ ...small, frames: 6 }))).toBe('INVALID_SIZE');
    expect(await codeOf(model.generate({ ...small, width: 100 }))).toBe('INVALID_SIZE');
    expect(await codeOf(() => model.estimateMemory({ ...small, height: 0 }))).toBe('INVALID_SIZE');
  });

  it('estimates memory for valid sizes', () => {
    const e = model.estimateMemory(small);
    expect(e.peakBytes).toBeGreaterThan(0);
    expect(e.peakBytes).toBeGreaterThanOrEqual(e.weightsBytes);
    expect(model.estimateMemory({ ...small, width: 128, height: 128 }).activationsBytes).toBeGreaterThan(e.activationsBytes);
  });

  it('passes a throwing progress handler\'s error through and stops the run', async () => {
    const boom = new Error('handler failed');
    let calls = 0;
    const err = await model.generate({ ...small, steps: 6 }, { onProgress: () => { calls++; throw boom; } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toBe('handler failed');
    expect((err as EngineError).cause).toBe(boom);
    expect(calls).toBe(1);
  });

  it('captures an attention map: probabilities over the token grid and the tile mass matrix', async () => {
    const params = { ...small, attention: { tile: [1, 2, 2] as [number, number, number], rules: [] } };
    const map = await model.attentionMap(params, { step: 0, layer: 1, head: 2, queryTile: 3 });
    // 64x64, 5 frames -> latent 2x8x8 -> patch grid (1,2,2) -> tokens 2x4x4
    expect(map.grid).toEqual([2, 4, 4]);
    expect(map.probs.length).toBe(32);
    const sum = map.probs.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 4);
    expect(map.tiles).toEqual([2, 2, 2]);
    expect(map.numTiles).toBe(8);
    expect(map.tileMass.length).toBe(64);
    for (let r = 0; r < 8; r++) {
      const row = map.tileMass.subarray(r * 8, r * 8 + 8).reduce((a, b) => a + b, 0);
      expect(row).toBeCloseTo(1, 4);
    }
    expect(Array.from(map.kept).every((k) => k === 1)).toBe(true); // dense keeps every block
    const sparse = await model.attentionMap({ ...params, attention: { tile: [1, 2, 2], rules: [{ pattern: 'sta', window: [1, 1, 1] }] } },
      { step: 0, layer: 1, head: 2, queryTile: 3 });
    expect(Array.from(sparse.kept).filter((k) => k === 1).length).toBeLessThan(64);
  });

  it('calibrates STA windows per layer and head', async () => {
    const cal = await model.calibrate({ ...small, attention: { tile: [1, 2, 2], rules: [] } },
      { candidates: [[1, 1, 1], [2, 2, 2]], denseSteps: 0 });
    const { layers, heads } = model.info.dit;
    expect(cal).toMatchObject({ layers, heads, candidates: [[1, 1, 1], [2, 2, 2]] });
    expect(cal.errors.length).toBe(layers * heads * 2);
    expect(Array.from(cal.errors).every((e) => Number.isFinite(e) && e >= 0)).toBe(true);
    expect(cal.windows).toHaveLength(layers);
    for (const row of cal.windows) {
      expect(row).toHaveLength(heads);
      for (const w of row) expect([[1, 1, 1], [2, 2, 2]]).toContainEqual(w);
    }
    expect(cal.sparsity).toBeGreaterThanOrEqual(0);
    expect(cal.sparsity).toBeLessThanOrEqual(1);
  });

  it('serialises concurrent calls on one engine', async () => {
    const [a, b] = await Promise.all([model.generate(small), model.generate({ ...small, seed: 43 })]);
    expect(a.frames).toBe(5);
    expect(b.frames).toBe(5);
  });
});

describe.skipIf(skip)('object lifetimes', () => {
  it('lets a run finish when its model and engine are disposed meanwhile', async () => {
    const engine = await createEngine({ backend: 'cpu' });
    const model = await engine.loadModel(demoModelDir());
    const run = model.generate(small);
    model.dispose();
    engine.dispose();
    expect((await run).frames).toBe(5);
    expect(await codeOf(model.generate(small))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => engine.info())).toBe('INVALID_ARGUMENT');
  });
});

describe.skipIf(skip)('bad model folders', () => {
  let engine: Engine;
  beforeAll(async () => { engine = await createEngine({ backend: 'cpu' }); });
  afterAll(() => engine?.dispose());

  function copyDemo(name: string): string {
    const dir = join(work, name);
    cpSync(demoModelDir(), dir, { recursive: true });
    return dir;
  }

  it('NOT_FOUND for a folder that is not a model, or that lacks a component', async () => {
    expect(await codeOf(engine.loadModel(join(work, 'does-not-exist')))).toBe('NOT_FOUND');
    const noVae = copyDemo('no-vae');
    unlinkSync(join(noVae, 'Wan2.1_VAE.safetensors'));
    expect(await codeOf(engine.loadModel(noVae))).toBe('NOT_FOUND');
  });

  it('CORRUPT_FILE for truncated or garbage weights', async () => {
    const truncated = copyDemo('truncated');
    const f = join(truncated, 'diffusion_pytorch_model.safetensors');
    truncateSync(f, Math.floor(statSync(f).size / 2));
    expect(await codeOf(engine.loadModel(truncated))).toBe('CORRUPT_FILE');
    const garbage = copyDemo('garbage');
    writeFileSync(join(garbage, 'Wan2.1_VAE.safetensors'), Buffer.alloc(4096, 0xff));
    expect(await codeOf(engine.loadModel(garbage))).toBe('CORRUPT_FILE');
  });

  it('SHAPE_MISMATCH when the config disagrees with the weights', async () => {
    const wrong = copyDemo('wrong-config');
    const cfg = JSON.parse(readFileSync(join(wrong, 'config.json'), 'utf8'));
    writeFileSync(join(wrong, 'config.json'), JSON.stringify({ ...cfg, ffn_dim: cfg.ffn_dim * 2 }));
    expect(await codeOf(engine.loadModel(wrong))).toBe('SHAPE_MISMATCH');
  });

  it('TOKENIZER_ERROR when tokenizer.json is missing', async () => {
    const noTok = copyDemo('no-tokenizer');
    unlinkSync(join(noTok, 'google', 'umt5-xxl', 'tokenizer.json'));
    const code = await codeOf(engine.loadModel(noTok));
    expect(['TOKENIZER_ERROR', 'NOT_FOUND']).toContain(code);
  });
});
