import { describe, expect, it } from 'vitest';
import type { ModelInfo, Progress } from '../engine/types.js';
import { UsageError, parseArgs } from './args.js';
import { parseGenerate, withModelDefaults } from './generate.js';
import { main } from './main.js';
import { ProgressBar, formatSeconds, progressLine } from './progress.js';
import { embeddedSettings } from './settings.js';
import { resultLine } from './verify.js';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; }, isTTY: false } },
    out: () => out,
    err: () => err,
  };
}

const info: ModelInfo = {
  dir: '/models/demo', layout: 'official', name: 'demo',
  dit: { dim: 128, ffnDim: 384, heads: 4, headDim: 32, layers: 4, textLen: 64, params: 1, patch: [1, 2, 2] },
  t5: { dim: 64, layers: 2, heads: 4, vocab: 200, params: 1 },
  vae: { zDim: 16, baseDim: 8, stride: [4, 8, 8], params: 1 },
  weightDtype: 'f32',
  defaults: { steps: 8, width: 128, height: 128, frames: 17, guidance: 5, shift: 3, sampler: 'unipc', timesteps: [1000, 757, 522],
    negativePrompt: 'static blurry' },
};

describe('parseArgs', () => {
  it('reads --name value, --name=value, flags and positionals', () => {
    const p = parseArgs(['--a', '1', '--b=x=y', '--f', 'pos', '--', '--not-an-option'], { a: {}, b: {}, f: { flag: true } });
    expect(p.options.get('a')).toEqual(['1']);
    expect(p.options.get('b')).toEqual(['x=y']);
    expect(p.flags.has('f')).toBe(true);
    expect(p.positionals).toEqual(['pos', '--not-an-option']);
  });
  it('rejects unknown, repeated and valueless options', () => {
    expect(() => parseArgs(['--nope'], {})).toThrow(UsageError);
    expect(() => parseArgs(['--a', '1', '--a', '2'], { a: {} })).toThrow(/twice/);
    expect(() => parseArgs(['--a'], { a: {} })).toThrow(/needs a value/);
    expect(() => parseArgs(['--f=1'], { f: { flag: true } })).toThrow(/takes no value/);
  });
});

describe('tessera generate options', () => {
  it('parses every option', () => {
    const r = parseGenerate(['--prompt', 'a red ball', '--negative', 'blurry', '--seed', '7', '--steps', '3', '--size', '832x480',
      '--frames', '81', '--sampler', 'fewstep', '--timesteps', '1000,757,522', '--guidance', '6', '--shift', '8', '--model', 'm',
      '--backend', 'cpu', '--threads', '2', '--out', 'x.webm', '--crf', '30', '--attention', '{"tile":[6,8,8],"rules":[{"pattern":"sta","window":[3,3,3]}]}']);
    if (r === 'help') throw new Error('unexpected help');
    expect(r.params).toEqual({
      prompt: 'a red ball', negativePrompt: 'blurry', seed: 7, steps: 3, width: 832, height: 480, frames: 81,
      sampler: 'fewstep', timesteps: [1000, 757, 522], guidance: 6, shift: 8,
      attention: { tile: [6, 8, 8], rules: [{ pattern: 'sta', window: [3, 3, 3] }] },
    });
    expect(r).toMatchObject({ modelDir: 'm', backend: 'cpu', threads: 2, out: 'x.webm', format: 'webm', crf: 30 });
  });
  it('needs a prompt and well-formed values', () => {
    expect(() => parseGenerate([])).toThrow(/--prompt is required/);
    expect(() => parseGenerate(['--prompt', 'x', '--size', '832'])).toThrow(/WIDTHxHEIGHT/);
    expect(() => parseGenerate(['--prompt', 'x', '--steps', 'many'])).toThrow(/integer/);
    expect(() => parseGenerate(['--prompt', 'x', '--sampler', 'ddim'])).toThrow(/one of unipc, euler, fewstep/);
    expect(() => parseGenerate(['--prompt', 'x', '--timesteps', '1000,x'])).toThrow(/comma-separated/);
    expect(() => parseGenerate(['--prompt', 'x', '--timesteps', '1000', '--sampler', 'euler'])).toThrow(/fewstep/);
    expect(() => parseGenerate(['--prompt', 'x', '--out', 'a.avi'])).toThrow(/--format/);
    expect(() => parseGenerate(['--prompt', 'x', '--attention', '[1]'])).toThrow(/rules/);
    expect(() => parseGenerate(['--prompt', 'x', 'stray'])).toThrow(/unexpected argument/);
  });
  it('takes the format from --out\'s extension; none means MP4', () => {
    const fmt = (...a: string[]) => { const r = parseGenerate(['--prompt', 'x', ...a]); return r === 'help' ? null : r.format; };
    expect(fmt('--out', 'a.gif')).toBe('gif');
    expect(fmt('--out', 'a.WEBM')).toBe('webm');
    expect(fmt('--out', 'frames', '--format', 'png')).toBe('png');
    expect(fmt('--out', 'clip')).toBeUndefined(); // mp4, with .mp4 added
    expect(fmt()).toBeUndefined();
  });
  it('picks a random seed when none is given, and fewstep for --timesteps', () => {
    const r = parseGenerate(['--prompt', 'x', '--timesteps', '999,500']);
    if (r === 'help') throw new Error('unexpected help');
    expect(Number.isInteger(r.params.seed)).toBe(true);
    expect(r.params.sampler).toBe('fewstep');
  });
  it('fills what was left out from the model defaults', () => {
    const r = parseGenerate(['--prompt', 'x', '--seed', '1', '--steps', '4']);
    if (r === 'help') throw new Error('unexpected help');
    expect(withModelDefaults(r.params, info)).toEqual({
      prompt: 'x', seed: 1, steps: 4, width: 128, height: 128, frames: 17, guidance: 5, shift: 3, sampler: 'unipc',
    });
    const few = parseGenerate(['--prompt', 'x', '--seed', '1', '--sampler', 'fewstep', '--guidance', '1']);
    if (few === 'help') throw new Error('unexpected help');
    expect(withModelDefaults(few.params, info)).toMatchObject({ sampler: 'fewstep', timesteps: [1000, 757, 522], steps: 3, guidance: 1 });
  });
});

describe('embedded settings', () => {
  it('record the parameters with the negative prompt actually used', () => {
    const params = { prompt: 'x', seed: 1, steps: 8, width: 128, height: 128, frames: 17, guidance: 5, shift: 3,
      sampler: 'unipc' as const, preview: true };
    const s = embeddedSettings(params, info, 'cpu', 'tessera 0.1.0');
    expect(s).toEqual({ version: 1, generator: 'tessera 0.1.0', model: { name: 'demo', dir: '/models/demo', layout: 'official' },
      backend: 'cpu', params: { prompt: 'x', negativePrompt: 'static blurry', seed: 1, steps: 8, width: 128, height: 128,
        frames: 17, guidance: 5, shift: 3, sampler: 'unipc' } });
    expect(embeddedSettings({ ...params, negativePrompt: 'dark' }, info, 'cpu', 'g').params.negativePrompt).toBe('dark');
  });
});

describe('progress bar', () => {
  const p: Progress = { stage: 'denoise', step: 3, total: 8, secondsPerStep: 0.5, elapsedSeconds: 1.5, deviceBytesInUse: 0, deviceBytesPeak: 0 };
  it('shows stage, step/total, s/step and ETA', () => {
    expect(progressLine(p, 8)).toBe('denoise      [###.....]  3/8  0.50 s/step  ETA 2.5s');
    expect(progressLine({ ...p, stage: 'encode', step: 0, total: 1, secondsPerStep: 0 }, 4)).toBe('encode text  [....]  0/1');
  });
  it('formats durations', () => {
    expect([formatSeconds(3.21), formatSeconds(42.4), formatSeconds(125), formatSeconds(7300), formatSeconds(-1)])
      .toEqual(['3.2s', '42s', '2m05s', '2h01m', '--']);
  });
  it('redraws in place on a terminal and writes lines otherwise', () => {
    let tty = '';
    const bar = new ProgressBar({ write: (s) => { tty += s; }, isTTY: true });
    bar.update(p);
    bar.update({ ...p, step: 4 });
    bar.done();
    expect(tty.split('\r')).toHaveLength(3);
    expect(tty.endsWith('\n')).toBe(true);
    let log = '';
    const plain = new ProgressBar({ write: (s) => { log += s; } });
    plain.update(p);
    plain.update({ ...p, step: 4 });
    plain.done();
    expect(log.split('\n').filter(Boolean)).toHaveLength(2);
  });
});

describe('tessera main', () => {
  it('lists the commands and exits 2 without one', async () => {
    const c = capture();
    expect(await main([], c.io)).toBe(2);
    expect(c.out()).toMatch(/generate .*\n.*info .*\n.*verify/);
  });
  it('reports usage errors with exit status 2', async () => {
    const c = capture();
    expect(await main(['generate', '--size', 'big', '--prompt', 'x'], c.io)).toBe(2);
    expect(c.err()).toContain('--size must be WIDTHxHEIGHT');
    const d = capture();
    expect(await main(['frobnicate'], d.io)).toBe(2);
    expect(d.err()).toContain('unknown command "frobnicate"');
  });
  it('prints the options of a command', async () => {
    const c = capture();
    expect(await main(['generate', '--help'], c.io)).toBe(0);
    expect(c.out()).toContain('--timesteps LIST');
  });
});

describe('verify output', () => {
  it('prints kind, relative L2 error and pass/fail on one line', () => {
    const line = resultLine({ name: 'wan_dit_tiny', kind: 'wan_dit', variant: 'safetensors', relL2: 3.1e-7, tolerance: 2e-5, passed: true, detail: '' });
    expect(line).toMatch(/^PASS {2}wan_dit +wan_dit_tiny \[safetensors\] +rel_l2 3\.10e-7 \(tol 2\.0e-5\)$/);
    expect(resultLine({ name: 'x', kind: 'umt5', variant: '', relL2: 0.5, tolerance: 2e-5, passed: false, detail: 'bad' })).toMatch(/^FAIL .* bad$/);
  });
});
