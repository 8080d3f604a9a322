import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Download } from '../../contract/entities.js';
import { apiOf, nextEvent, startTestCore, tempDir, type TestCore } from '../test/test-core.js';

// A local file server with Range support; knobs per path to drop connections, ignore Range,
// serve slowly or serve the wrong bytes.
const files = new Map<string, Buffer>();
const knobs = { dropAfter: new Map<string, number>(), noRange: new Set<string>(), slow: new Set<string>() };
const ranges: string[] = [];
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    if (name.startsWith('redirect/')) {
      res.writeHead(302, { location: `/${name.slice('redirect/'.length)}` }).end();
      return;
    }
    const body = files.get(name);
    if (!body) { res.writeHead(404).end('missing'); return; }
    let start = 0;
    const range = req.headers.range;
    if (range) ranges.push(`${name} ${range}`);
    if (range && !knobs.noRange.has(name)) {
      start = Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0);
      if (start >= body.length) { res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end(); return; }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { 'content-length': body.length });
    }
    const drop = knobs.dropAfter.get(name);
    if (drop !== undefined) {
      knobs.dropAfter.delete(name);
      res.write(body.subarray(start, drop), () => res.destroy());
      return;
    }
    if (knobs.slow.has(name)) {
      let i = start;
      const tick = setInterval(() => {
        if (res.destroyed) { clearInterval(tick); return; }
        res.write(body.subarray(i, i + 4096));
        i += 4096;
        if (i >= body.length) { clearInterval(tick); res.end(); }
      }, 20);
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let t: TestCore | null = null;
afterEach(async () => { await t?.close(); t = null; });

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Files of a minimal official-layout folder, with one large file to interrupt. */
function modelFiles(tag: string, bigBytes = 300_000) {
  const big = Buffer.alloc(bigBytes);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + tag.length) & 255;
  const entries: Array<[string, Buffer]> = [
    ['config.json', Buffer.from(JSON.stringify({ dim: 64, tag }))],
    ['diffusion_pytorch_model.safetensors', big],
    ['Wan2.1_VAE.pth', Buffer.from('vae')],
    ['models_t5_umt5-xxl-enc-bf16.pth', Buffer.from('t5')],
    ['google/umt5-xxl/tokenizer.json', Buffer.from('{}')],
  ];
  return entries.map(([p, body]) => {
    files.set(`${tag}/${p}`, body);
    return { url: `${base}${tag}/${p}`, path: p, sha256: sha(body) };
  });
}

const settled = (core: TestCore['core'], id: string) =>
  nextEvent(core, 'download.progress', (d) => d.id === id && ['done', 'failed', 'cancelled'].includes(d.state));

describe('model downloads', { timeout: 60_000 }, () => {
  test('downloads every file, verifies it and registers the model', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const spec = modelFiles('plain');
    spec[0]!.url = `${base}redirect/plain/config.json`; // redirects are followed
    const d = await api('models.download', { name: 'Plain Wan', files: spec });
    const done = await settled(t.core, d.id);
    expect(done.state).toBe('done');
    expect(done.receivedBytes).toBe(done.totalBytes);
    expect(done.files.every((f) => f.verified)).toBe(true);
    const model = await api('models.get', { id: done.modelId! });
    expect(model).toMatchObject({ name: 'Plain Wan', source: 'downloaded' });
    expect(fs.readFileSync(path.join(model.dir, 'diffusion_pytorch_model.safetensors'))).toEqual(files.get('plain/diffusion_pytorch_model.safetensors'));
    expect(fs.readdirSync(model.dir).some((f) => f.endsWith('.part'))).toBe(false);
  });

  test('a broken connection fails the download; resume continues with a Range request', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const spec = modelFiles('resume');
    knobs.dropAfter.set('resume/diffusion_pytorch_model.safetensors', 100_000);
    const d = await api('models.download', { name: 'Resumable', files: spec });
    const failed = await settled(t.core, d.id);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('DOWNLOAD_FAILED');
    const got = failed.files[1]!.receivedBytes;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(100_000);
    const again = settled(t.core, d.id);
    await api('models.resumeDownload', { id: d.id });
    expect((await again).state).toBe('done');
    expect(ranges).toContain(`resume/diffusion_pytorch_model.safetensors bytes=${got}-`);
  });

  test('a server without Range support restarts the file from zero and still verifies', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const spec = modelFiles('norange');
    knobs.dropAfter.set('norange/diffusion_pytorch_model.safetensors', 50_000);
    knobs.noRange.add('norange/diffusion_pytorch_model.safetensors');
    const d = await api('models.download', { name: 'No range', files: spec });
    expect((await settled(t.core, d.id)).state).toBe('failed');
    const again = settled(t.core, d.id);
    await api('models.resumeDownload', { id: d.id });
    expect((await again).state).toBe('done');
  });

  test('a sha256 mismatch is rejected and the bad file discarded', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const spec = modelFiles('badsum');
    spec[1]!.sha256 = 'f'.repeat(64);
    const d = await api('models.download', { name: 'Bad sum', files: spec });
    const r = await settled(t.core, d.id);
    expect(r.state).toBe('failed');
    expect(r.error?.code).toBe('CHECKSUM_MISMATCH');
    const dir = path.join(t.core.modelsDir(), 'Bad-sum');
    expect(fs.existsSync(path.join(dir, 'diffusion_pytorch_model.safetensors'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'diffusion_pytorch_model.safetensors.part'))).toBe(false);
    expect((await api('models.list')).some((m) => m.name === 'Bad sum')).toBe(false);
  });

  test('HTTP errors and a wrong declared size fail clearly', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const spec = modelFiles('errors');
    const d1 = await api('models.download', { name: 'Missing', files: [{ ...spec[0]!, url: `${base}nope` }] });
    const r1 = await settled(t.core, d1.id);
    expect(r1.error).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringContaining('HTTP 404') });
    const d2 = await api('models.download', { name: 'Size', files: [{ ...spec[0]!, sizeBytes: 5 }] });
    expect((await settled(t.core, d2.id)).error?.message).toMatch(/expected 5/);
  });

  test('a download running when the app stops comes back interrupted and resumes from its bytes', async () => {
    const dataDir = tempDir();
    t = await startTestCore({ dataDir });
    let api = apiOf(t.core);
    const spec = modelFiles('restart', 400_000);
    knobs.slow.add('restart/diffusion_pytorch_model.safetensors');
    const d = await api('models.download', { name: 'Across restarts', files: spec });
    await nextEvent(t.core, 'download.progress', (x: Download) => x.id === d.id && (x.files[1]?.receivedBytes ?? 0) > 50_000);
    await t.close(); // the app stops mid-download: the .part stays

    knobs.slow.delete('restart/diffusion_pytorch_model.safetensors');
    t = await startTestCore({ dataDir });
    api = apiOf(t.core);
    const listed = (await api('models.downloads')).find((x) => x.id === d.id)!;
    expect(listed.state).toBe('interrupted');
    const partBytes = listed.files[1]!.receivedBytes;
    expect(partBytes).toBeGreaterThan(50_000);
    const again = settled(t.core, d.id);
    await api('models.resumeDownload', { id: d.id });
    expect((await again).state).toBe('done');
    expect(ranges.some((r) => r.startsWith('restart/diffusion_pytorch_model.safetensors bytes='))).toBe(true);
  });
});
