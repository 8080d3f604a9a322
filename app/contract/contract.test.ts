import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ApiError, BatchSpecSchema, GenerateParamsSchema, SettingsPatchSchema, SettingsSchema, checkMethod, defaultSettings,
  eventNames, methodNames, methods, parseParams, toApiError,
} from './index.js';

const base = {
  prompt: 'a red ball', width: 128, height: 96, frames: 17, steps: 8, guidance: 5, shift: 3, seed: 42,
  sampler: 'unipc' as const,
};

describe('GenerateParams schema', () => {
  test('accepts valid params and keeps them exactly', () => {
    const p = { ...base, timesteps: [1000, 757, 522], attention: { tile: [6, 8, 8], rules: [
      { pattern: 'sta', window: [3, 3, 3], layers: [1, -1], head: -1 },
    ] } };
    expect(GenerateParamsSchema.parse(p)).toEqual(p);
  });
  test.each([
    ['frames not 4n+1', { frames: 16 }, 'frames'],
    ['width not a multiple of 16', { width: 100 }, 'width'],
    ['negative seed', { seed: -1 }, 'seed'],
    ['fractional steps', { steps: 2.5 }, 'steps'],
    ['unknown sampler', { sampler: 'ddim' }, 'sampler'],
    ['huge side', { height: 8192 }, 'height'],
  ])('rejects %s', (_name, patch, field) => {
    const r = GenerateParamsSchema.safeParse({ ...base, ...patch });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe('method table', () => {
  test('every method has a params schema and events are unique', () => {
    expect(methodNames.length).toBeGreaterThan(40);
    for (const m of methodNames) expect(typeof methods[m].params.safeParse).toBe('function');
    expect(new Set(eventNames).size).toBe(eventNames.length);
  });
  test('parseParams validates and reports the field', () => {
    expect(parseParams('queue.cancel', { id: 'abc' })).toEqual({ id: 'abc' });
    expect(parseParams('models.list', undefined)).toEqual({});
    try {
      parseParams('queue.cancel', { id: '../etc' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe('BAD_REQUEST');
      expect((e as ApiError).message).toContain('id');
    }
    expect(() => parseParams('models.list', { extra: 1 })).toThrow(/models.list/);
    expect(() => checkMethod('nope.nope')).toThrow(ApiError);
  });
  test('download paths stay inside the model folder', () => {
    const file = (p: string) => ({ name: 'm', files: [{ url: 'http://x/a', path: p, sha256: 'a'.repeat(64) }] });
    expect(() => parseParams('models.download', file('vae/model.safetensors'))).not.toThrow();
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'a\\b', 'a//b'])
      expect(() => parseParams('models.download', file(bad)), bad).toThrow(ApiError);
    expect(() => parseParams('models.download', { ...file('a'), files: [{ url: 'file:///etc/passwd', path: 'a', sha256: 'a'.repeat(64) }] }))
      .toThrow(ApiError);
  });
  test('batch spec', () => {
    const b = BatchSpecSchema.parse({ base, seeds: { from: 1, count: 3 }, grid: { steps: [4, 8] } });
    expect(b.seeds).toEqual({ from: 1, count: 3 });
    expect(BatchSpecSchema.safeParse({ base, grid: { frames: [16] } }).success).toBe(false);
  });
});

describe('settings schema', () => {
  test('defaults fill a partial stored object', () => {
    const s = SettingsSchema.parse({ theme: 'dark' });
    expect(s).toEqual({ ...defaultSettings(), theme: 'dark' });
    expect(s.preview).toEqual({ enabled: true, maxSide: 192 });
  });
  test('patches are validated strictly', () => {
    expect(SettingsPatchSchema.safeParse({ threads: -1 }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ nope: 1 }).success).toBe(false);
    expect(SettingsPatchSchema.parse({ backend: 'cpu' })).toEqual({ backend: 'cpu' });
  });
});

test('toApiError normalises bridge rejections', () => {
  expect(toApiError({ name: 'ApiError', code: 'CANCELLED', message: 'stop' }).code).toBe('CANCELLED');
  expect(toApiError(new Error('x')).code).toBe('INTERNAL');
  expect(toApiError('x').message).toBe('x');
});

// The type-level test (contract.test-d.ts) also runs here through tsc, so a plain `vitest run`
// fails when a transport or the handlers drift from the contract.
test('type-level contract test compiles', () => {
  const root = path.resolve(__dirname, '../..');
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'tsconfig.typetest.json')], { cwd: root, encoding: 'utf8' });
  } catch (e) {
    const out = (e as { stdout?: string }).stdout ?? String(e);
    expect.fail(`tsc found contract drift:\n${out}`);
  }
}, 120_000);
