// The headless server with the real engine process (child-main over the native addon), the
// built-in demo model and the real media encoders (ffmpeg): what `tessera serve` runs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { Job, JobProgress } from '../contract/entities.js';
import { createWsClient, type WsClient } from '../contract/ws-client.js';
import { tempDir } from '../core/test/test-core.js';
import { defaultMedia } from '../core/export/default-media.js';
import { demoModelDir } from '../engine/demo-model.js';
import { engineUnavailable } from '../engine/test-support.js';
import { sourceChildLauncher } from '../host/test/fake-launcher.js';
import { serve, type Serving } from './serve.js';

const unavailable = engineUnavailable();
let demo: string | null = null;
try { demo = demoModelDir(); } catch { demo = null; }
const skip = unavailable !== null || demo === null;

let s: Serving;
let api: WsClient;

function fetchBytes(url: string, token: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get(new URL(url, s.server.url), { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

function ffprobe(file: string): { codec: string; pixFmt: string; width: number; height: number; frames: number } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries',
    'stream=codec_name,pix_fmt,width,height,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
  const st = (JSON.parse(out) as { streams: Array<Record<string, string | number>> }).streams[0]!;
  return { codec: String(st.codec_name), pixFmt: String(st.pix_fmt), width: Number(st.width), height: Number(st.height), frames: Number(st.nb_read_frames) };
}

function until(job: string, states: Job['state'][]): Promise<Job> {
  return new Promise((resolve) => {
    const off = api.on('job.updated', (j) => { if (j.id === job && states.includes(j.state)) { off(); resolve(j); } });
  });
}

describe.skipIf(skip)('tessera serve with the real engine and the demo model', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    s = await serve({ dataDir: tempDir('tsr-real-'), port: 0, launcher: sourceChildLauncher(), media: defaultMedia, builtinModelDir: demo, rendererDir: null });
    api = createWsClient({ baseUrl: s.server.url, token: s.token, WebSocket: WebSocket as never });
    await api.ready();
    await s.host.ready();
  }, 120_000);
  afterAll(async () => {
    api?.close();
    await s?.stop();
  });

  test('the engine is alive and the demo model is registered with its real info', async () => {
    const st = await api.invoke('engine.status');
    expect(st).toMatchObject({ state: 'alive', backend: 'cpu' });
    const [m] = await api.invoke('models.list');
    expect(m).toMatchObject({ id: 'demo', source: 'builtin', info: { layout: 'official' } });
    expect(m!.info.dit.layers).toBeGreaterThan(0);
    expect(m!.vramBytes).toBeGreaterThan(0);
    const est = await api.invoke('generate.estimate', { params: (await api.invoke('generate.defaults', {})).params });
    expect(est.peakBytes).toBeGreaterThan(0);
  });

  test('generate: moving previews during sampling, an H.264 MP4 with its settings, exact reuse', async () => {
    const { params } = await api.invoke('generate.defaults', {});
    const progress: JobProgress[] = [];
    const off = api.on('job.progress', (p) => progress.push(p));
    const job = await api.invoke('generate.submit', { params: { ...params, prompt: 'a red ball bouncing on a blue background', seed: 11 } });
    const done = await until(job.id, ['done', 'failed', 'cancelled']);
    off();
    expect(done.error).toBeNull();
    const item = await api.invoke('gallery.get', { id: done.outputId! });
    expect(ffprobe(item.path)).toEqual({ codec: 'h264', pixFmt: 'yuv420p', width: params.width, height: params.height, frames: params.frames });
    expect(await api.invoke('gallery.reuseFromFile', { path: item.path })).toEqual(await api.invoke('gallery.reuse', { id: item.id }));
    expect((await api.invoke('gallery.reuse', { id: item.id })).params).toEqual({ ...params, prompt: 'a red ball bouncing on a blue background', seed: 11 });

    const denoise = progress.filter((p) => p.stage === 'denoise');
    expect(denoise.map((p) => p.step).at(-1)).toBe(params.steps);
    expect(progress.some((p) => p.stage === 'decode')).toBe(true);
    const clips = [...new Set(progress.map((p) => p.previewUrl).filter((u): u is string => u !== null))];
    expect(clips.length).toBeGreaterThanOrEqual(1);
    // The newest preview clip is a real video of every latent frame.
    const clipFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsr-clip-')), 'clip.mp4');
    fs.writeFileSync(clipFile, await fetchBytes(clips.at(-1)!, s.token));
    const probe = ffprobe(clipFile);
    expect(probe.codec).toBe('h264');
    expect(probe.frames).toBe((params.frames - 1) / 4 + 1);
  });

  test('per-job export settings: WebM, GIF and PNG frames, each with its settings embedded', async () => {
    const { params } = await api.invoke('generate.defaults', {});
    const p = { ...params, prompt: 'a blue cube', steps: 2 };
    const expected = { webm: 'vp9', gif: 'gif' } as const;
    for (const format of ['webm', 'gif', 'png'] as const) {
      const job = await api.invoke('generate.submit', { params: p, export: { format, fps: 8 } });
      const done = await until(job.id, ['done', 'failed', 'cancelled']);
      expect(done.error, format).toBeNull();
      const item = await api.invoke('gallery.get', { id: done.outputId! });
      expect(item).toMatchObject({ format, fps: 8, frames: p.frames });
      if (format === 'png') {
        expect(fs.statSync(item.path).isDirectory()).toBe(true);
        expect(fs.readdirSync(item.path).filter((f) => f.endsWith('.png'))).toHaveLength(p.frames);
        expect(item.url).toMatch(/\.png$/);
      } else {
        expect(ffprobe(item.path).codec).toBe(expected[format]);
      }
      expect((await fetchBytes(item.url!, s.token)).length).toBeGreaterThan(0);
      const reuse = await api.invoke('gallery.reuseFromFile', { path: item.path });
      expect(reuse).toEqual({ modelId: 'demo', modelName: expect.any(String), params: p, export: { format, fps: 8 } });
    }
  });

  test('cancel stops a running generation within a step', async () => {
    const { params } = await api.invoke('generate.defaults', {});
    const job = await api.invoke('generate.submit', { params: { ...params, prompt: 'a slow blue cube', steps: 40 } });
    await new Promise<void>((resolve) => {
      const off = api.on('job.progress', (p) => { if (p.jobId === job.id && p.stage === 'denoise' && p.step >= 2) { off(); resolve(); } });
    });
    const t0 = Date.now();
    const cancelled = until(job.id, ['cancelled', 'failed', 'done']);
    await api.invoke('queue.cancel', { id: job.id });
    const j = await cancelled;
    expect(j.state).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('an engine process killed mid-job fails that job with the reason; the engine restarts; the next job runs', async () => {
    const { params } = await api.invoke('generate.defaults', {});
    const job = await api.invoke('generate.submit', { params: { ...params, prompt: 'a green ball', steps: 40 } });
    const next = await api.invoke('generate.submit', { params: { ...params, prompt: 'a yellow ball', steps: 2 } });
    await new Promise<void>((resolve) => {
      const off = api.on('job.progress', (p) => { if (p.jobId === job.id && p.stage === 'denoise') { off(); resolve(); } });
    });
    const states: string[] = [];
    const offS = api.on('engine.status', (st) => states.push(st.state));
    process.kill(s.host.pid!, 'SIGKILL');
    const failed = await until(job.id, ['failed', 'done', 'cancelled']);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'ENGINE_CRASHED', message: expect.stringContaining('SIGKILL') });
    expect((await until(next.id, ['done', 'failed'])).state).toBe('done');
    offS();
    expect(states).toEqual(expect.arrayContaining(['restarting', 'alive']));
  });

  test('attention map and calibration on the real engine', async () => {
    const { params } = await api.invoke('generate.defaults', {});
    const p = { ...params, prompt: 'a red ball', steps: 2 };
    const map = await api.invoke('attention.map', { params: p, request: { step: 1, layer: 0, head: 0, queryTile: 0 } });
    const n = map.grid[0] * map.grid[1] * map.grid[2];
    expect(map.probs).toHaveLength(n);
    expect(map.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(map.tileMass).toHaveLength(map.numTiles * map.numTiles);
    for (let r = 0; r < map.numTiles; r++) {
      expect(map.tileMass.slice(r * map.numTiles, (r + 1) * map.numTiles).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    }
    const cal = await api.invoke('attention.calibrate', { params: p, request: { candidates: [[1, 1, 1], [3, 3, 3]], denseSteps: 1 } });
    expect(cal.windows.length).toBe(cal.layers);
    expect(cal.errors).toHaveLength(cal.layers * cal.heads * 2);
    expect(cal.config.rules.length).toBe(cal.layers * cal.heads);
  });

  test('a folder that is not a model gives a clear error', async () => {
    const bad = path.join(s.core.modelsDir(), 'not-a-model');
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'config.json'), '{"dim": 1}');
    await expect(api.invoke('models.import', { dir: bad })).rejects.toMatchObject({
      code: 'INVALID_MODEL', message: expect.stringMatching(/lacks .*diffusion_pytorch_model/),
    });
  });
});
