// The addon itself: argument validation on the JS thread (typed errors, never a crash), cancel
// tokens, and handles that outlive dispose() while a call runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoModelDir } from './demo-model.js';
import { loadNative, type NativeAddon, type NativeEngine, type NativeModel } from './native.js';
import { engineUnavailable } from './test-support.js';

const skip = engineUnavailable() !== null;
const base = { promptIds: new Int32Array([5, 1]), width: 64, height: 64, frames: 5, steps: 1, guidance: 1, shift: 3, seed: 1 };

async function rejection(p: () => Promise<unknown> | unknown): Promise<{ code: string; message: string }> {
  try {
    await p();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe.skipIf(skip)('native addon', () => {
  let addon: NativeAddon;
  let engine: NativeEngine;
  let model: NativeModel;
  beforeAll(async () => {
    addon = loadNative();
    engine = await addon.createEngine({ backend: 'cpu' });
    model = await engine.loadModel(demoModelDir());
  });
  afterAll(() => {
    model?.dispose();
    engine?.dispose();
  });

  it('exports its API version and the stable code names of tessera.h', () => {
    expect(addon.apiVersion).toBe(1);
    expect([0, 1, 2, 3, 4, 9, 11, 12, 14].map((c) => addon.codeName(c)))
      .toEqual(['OK', 'INVALID_ARGUMENT', 'NOT_FOUND', 'IO_ERROR', 'CORRUPT_FILE', 'INVALID_SIZE', 'CANCELLED', 'BACKEND_ERROR', 'INTERNAL']);
  });

  it('rejects malformed parameters with INVALID_ARGUMENT naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /must be an object/],
      [{ ...base, promptIds: undefined }, /'promptIds' is required/],
      [{ ...base, promptIds: [1.5] }, /'promptIds' must hold non-negative integers/],
      [{ ...base, width: 'x' }, /'width' must be a number/],
      [{ ...base, width: 1e12 }, /'width' is out of range/],
      [{ ...base, guidance: Number.NaN }, /'guidance' must be finite/],
      [{ ...base, seed: -1 }, /'seed' must be a non-negative integer/],
      [{ ...base, seed: 2n ** 70n }, /'seed' must fit in 64 bits/],
      [{ ...base, sampler: 'ddim' }, /'sampler' must be/],
      [{ ...base, attention: { rules: 'x' } }, /'attention.rules' must be an array/],
      [{ ...base, attention: { rules: [{ pattern: 'sta' }] } }, /needs a 'window'/],
      [{ ...base, attention: { rules: [{ pattern: 'blur' }] } }, /'pattern' must be/],
    ];
    for (const [params, message] of cases) {
      const err = await rejection(() => model.generate(params as object));
      expect(err.code, String(message)).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(message);
    }
    expect((await rejection(() => engine.loadModel(42 as unknown as string))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(() => addon.createEngine({ backend: 'tpu' }))).code).toBe('INVALID_ARGUMENT');
  });

  it('accepts a 64-bit BigInt seed', async () => {
    const v = await model.generate({ ...base, seed: 12345678901234567890n }) as { frames: number };
    expect(v.frames).toBe(5);
  });

  it('passes engine validation errors through with their codes', async () => {
    expect((await rejection(() => model.generate({ ...base, promptIds: new Int32Array([99999, 1]) }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(() => model.generate({ ...base, frames: 400001 }))).code).toBe('INVALID_SIZE');
    expect((await rejection(() => model.estimateMemory({ ...base, width: 1000 }))).code).toBe('INVALID_SIZE');
  });

  it('refuses a second call on a busy model instead of running two at once', async () => {
    const first = model.generate({ ...base, steps: 3 });
    const second = await rejection(() => model.generate(base));
    expect(second.code).toBe('INVALID_ARGUMENT');
    expect(second.message).toMatch(/busy/);
    await first;
  });

  it('cancels through a CancelToken', async () => {
    const token = new addon.CancelToken();
    expect(token.cancelled).toBe(false);
    const run = model.generate({ ...base, steps: 50 }, () => token.cancel(), token);
    expect((await rejection(() => run)).code).toBe('CANCELLED');
    expect(token.cancelled).toBe(true);
    expect((await rejection(() => model.generate(base, undefined, {} as never))).code).toBe('INVALID_ARGUMENT');
  });

  it('cannot construct engines or models from JS', () => {
    const { Engine } = addon as unknown as { Engine: new () => unknown };
    expect(() => new Engine()).toThrow(/createEngine/);
  });
});
