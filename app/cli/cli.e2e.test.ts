// The README's first command, end to end: the built CLI with the demo model writes a playable MP4.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
});
