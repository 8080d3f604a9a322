// The README's first command, end to end: the built CLI with the demo model writes a playable MP4.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoModelDir } from '../engine/demo-model.js';
import { engineUnavailable } from '../engine/test-support.js';
import { probe, readSettings } from '../media/index.js';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'bin', 'tessera.js');
const skip = engineUnavailable() !== null;
const work = mkdtempSync(join(tmpdir(), 'tsr-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tessera(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: work, timeout: 300_000 });
}

describe.skipIf(skip)('tessera generate (demo model, CPU)', () => {
  it('is built', () => {
    expect(existsSync(join(root, 'dist', 'app', 'cli', 'main.js')), 'run npm run build:ts first').toBe(true);
  });

  it('writes an H.264 MP4 with the defaults, a progress bar, and settings that read back exactly', async () => {
    const out = join(work, 'demo.mp4');
    const r = tessera('generate', '--prompt', 'a red ball bouncing on a blue background', '--seed', '7', '--out', out,
      '--backend', 'cpu', '--json');
    expect(r.status, r.stderr).toBe(0);
    // the built-in model's own defaults (tessera.json): the trained student or the random stand-in
    const d = JSON.parse(readFileSync(join(demoModelDir(), 'tessera.json'), 'utf8')).defaults;
    expect(r.stderr).toMatch(new RegExp(`denoise +\\[#+\\] +${d.steps}/${d.steps} +[\\d.]+ s/step`));
    expect(r.stderr).toMatch(/decode/);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary).toMatchObject({ out, format: 'mp4', frames: 17, width: 128, height: 128 });
    const p = await probe(out);
    expect(p).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 128, height: 128, frames: 17 });
    const settings = await readSettings(out);
    expect(settings).toEqual(summary.settings);
    expect(settings).toMatchObject({
      params: { prompt: 'a red ball bouncing on a blue background', seed: 7, steps: d.steps, width: 128, height: 128,
        frames: 17, sampler: d.sampler, ...(d.negative_prompt ? { negativePrompt: d.negative_prompt } : {}) },
    });
  });

  it('writes the other formats', async () => {
    const base = ['--prompt', 'two small green cubes', '--seed', '1', '--size', '64x64', '--frames', '5', '--steps', '2', '--quiet'];
    for (const [file, codec] of [['a.webm', 'vp9'], ['a.gif', 'gif']] as const) {
      const r = tessera('generate', ...base, '--out', join(work, file));
      expect(r.status, r.stderr).toBe(0);
      expect(await probe(join(work, file))).toMatchObject({ codec, frames: 5, width: 64, height: 64 });
      expect(await readSettings(join(work, file))).toMatchObject({ params: { prompt: 'two small green cubes', seed: 1 } });
    }
  });

  it('fails clearly with a non-zero status for a bad model folder and an invalid size', () => {
    const bad = tessera('generate', '--prompt', 'x', '--model', join(work, 'nowhere'), '--out', join(work, 'x.mp4'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error [NOT_FOUND]');
    const size = tessera('generate', '--prompt', 'x', '--frames', '6', '--out', join(work, 'y.mp4'));
    expect(size.status).toBe(1);
    expect(size.stderr).toContain('error [INVALID_SIZE]');
    expect(existsSync(join(work, 'x.mp4')) || existsSync(join(work, 'y.mp4'))).toBe(false);
  });

  it('tessera info prints the engine and the model as JSON', () => {
    const r = tessera('info', '--backend', 'cpu');
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.engine).toMatchObject({ backend: 'cpu' });
    const steps = JSON.parse(readFileSync(join(demoModelDir(), 'tessera.json'), 'utf8')).defaults.steps;
    expect(info.model).toMatchObject({ layout: 'official', defaults: { width: 128, height: 128, frames: 17, steps } });
  });

  it('cancels on Ctrl-C between steps: exit status 130, no output file', async () => {
    const out = join(work, 'interrupted.mp4');
    const child = spawn(process.execPath, [cli, 'generate', '--prompt', 'a red ball', '--steps', '200', '--out', out], { cwd: work });
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolveExit) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && /denoise .* 2\/200/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', (c) => resolveExit(c));
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('cancelled');
    expect(stderr).not.toMatch(/denoise .* 200\/200/);
    expect(existsSync(out)).toBe(false);
  });

});

describe.skipIf(skip)('tessera verify', () => {
  const golden = process.env.TESSERA_GOLDEN_DIR ?? resolve(root, '..', 'shared', 'golden');

  it('prints one line per result and the closing count; exit status 0 when all pass', () => {
    const dir = join(work, 'fixtures-ok');
    mkdirSync(dir);
    copyFileSync(join(golden, 'flow_unipc_8.io.safetensors'), join(dir, 'flow_unipc_8.io.safetensors'));
    const r = tessera('verify', dir);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}flow_unipc +flow_unipc_8 .*rel_l2 \d\.\d\de-\d+ \(tol 1\.0e-5\)/m);
    expect(r.stdout.trim().split('\n').pop()).toBe('1 passed, 0 failed');
  });

  it('fails (status 1) on a corrupt fixture and an empty folder; 2 on a usage error', () => {
    const dir = join(work, 'fixtures-bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'wan_dit_broken.io.safetensors'), Buffer.from('not a safetensors file at all'));
    const bad = tessera('verify', dir);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL .*wan_dit_broken .*CORRUPT_FILE/m);
    expect(bad.stdout.trim().split('\n').pop()).toBe('0 passed, 1 failed');
    const empty = join(work, 'fixtures-none');
    mkdirSync(empty);
    expect(tessera('verify', empty).status).toBe(1);
    expect(tessera('verify', dir, '--bogus').status).toBe(2); // usage error
  });

  it('--gpu never passes CPU results off as GPU ones', () => {
    const dir = join(work, 'fixtures-ok');
    const r = tessera('verify', dir, '--gpu');
    if (/ on cpu /.test(r.stdout)) {
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^FAIL {2}--gpu asked for, but the engine runs on the CPU/m);
      expect(r.stdout.trim().split('\n').pop()).toBe('0 passed, 1 failed');
    } else {
      expect(r.status, r.stdout).toBe(0);
    }
  });
});
