import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createWsClient, type WsClient } from '../contract/ws-client.js';
import type { JobProgress } from '../contract/entities.js';
import { fakeModelFolder, tempDir } from '../core/test/test-core.js';
import { RawMedia } from '../core/test/raw-media.js';
import { fakeLauncher } from '../host/test/fake-launcher.js';
import { fileUrlPath } from './file-urls.js';
import { serve, type Serving } from './serve.js';

let s: Serving;
let base: string;
let renderer: string;
const dataDir = tempDir('tsr-serve-');

beforeAll(async () => {
  renderer = tempDir('tsr-renderer-');
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Tessera</title><script src="./app.js"></script>');
  fs.writeFileSync(path.join(renderer, 'app.js'), 'console.log(1)');
  s = await serve({
    dataDir, port: 0, launcher: fakeLauncher(), media: new RawMedia(), rendererDir: renderer,
    builtinModelDir: fakeModelFolder(path.join(dataDir, 'demo')),
  });
  base = s.server.url;
}, 60_000);
afterAll(async () => { await s.stop(); });

interface Res { status: number; headers: http.IncomingHttpHeaders; body: string }
function request(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, base), { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
const bearer = () => ({ authorization: `Bearer ${s.token}` });
const call = (method: string, params: unknown, headers: Record<string, string> = bearer()) =>
  request(`/api/call/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(params) });

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('tessera serve: binding and auth', { timeout: 60_000 }, () => {
  test('binds to the loopback interface by default', () => {
    expect(s.server.host).toBe('127.0.0.1');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('the token file holds the token and only the user can read it', () => {
    expect(fs.readFileSync(s.tokenFile, 'utf8').trim()).toBe(s.token);
    if (process.platform !== 'win32') expect(fs.statSync(s.tokenFile).mode & 0o777).toBe(0o600);
    expect(s.token.length).toBeGreaterThanOrEqual(40);
  });

  test('every route needs the token', async () => {
    for (const p of ['/', '/app.js', '/index.html', fileUrlPath(s.tokenFile)]) {
      expect((await request(p)).status, p).toBe(401);
    }
    expect((await call('models.list', {}, {})).status).toBe(401);
    expect((await call('models.list', {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call('models.list', {})).status).toBe(200);
    const ws = base.replace('http', 'ws') + 'api/ws';
    expect(await wsStatus(ws)).toBe(401);
    expect(await wsStatus(`${ws}?token=nope`)).toBe(401);
    expect(await wsStatus(`${ws}?token=${s.token}`)).toBe(101);
  });

  test('the first page load moves the token into a cookie and the URL fragment', async () => {
    const r = await request(`/?token=${s.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe(`/#token=${encodeURIComponent(s.token)}`);
    const cookie = r.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await request('/', { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Tessera</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("object-src 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await request('/app.js', { headers: { cookie: cookie.split(';')[0]! } })).headers['content-type']).toMatch(/javascript/);
  });

  test('foreign Host headers (DNS rebinding) and cross-origin WebSockets are refused', async () => {
    expect((await call('models.list', {}, { ...bearer(), host: 'evil.example:80' })).status).toBe(421);
    const ws = `${base.replace('http', 'ws')}api/ws?token=${s.token}`;
    expect(await wsStatus(ws, { origin: 'http://evil.example' })).toBe(403);
    expect(await wsStatus(ws, { origin: base.slice(0, -1) })).toBe(101);
    expect((await call('models.list', {}, { ...bearer(), origin: 'http://evil.example' })).status).toBe(403);
  });
});

describe('tessera serve: the API', { timeout: 60_000 }, () => {
  test('params are validated with the contract', async () => {
    const bad = await call('generate.submit', { params: { prompt: 'x', width: 30 } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('BAD_REQUEST');
    const unknown = await call('nope.nope', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('UNKNOWN_METHOD');
    const junk = await request('/api/call/models.list', { method: 'POST', headers: bearer(), body: '{not json' });
    expect(junk.status).toBe(400);
  });

  test('files outside the allowed folders are refused', async () => {
    for (const p of ['/files/etc/passwd', '/files/..%2F..%2Fetc%2Fpasswd', `${fileUrlPath(dataDir)}/../../etc/passwd`]) {
      const r = await request(p, { headers: bearer() });
      expect([403, 404], p).toContain(r.status);
      expect(r.body).not.toContain('root:');
    }
    expect((await request('/../../etc/passwd', { headers: bearer() })).body).not.toContain('root:');
  });

  test('over the WebSocket client: generate, watch progress and previews, fetch the output', async () => {
    const api: WsClient = createWsClient({ baseUrl: base, token: s.token, WebSocket: WebSocket as never });
    await api.ready();
    try {
      const status = await api.invoke('engine.status');
      expect(['alive', 'starting']).toContain(status.state);
      const progress: JobProgress[] = [];
      const off = api.on('job.progress', (p) => progress.push(p));
      const done = new Promise<string>((resolve) => {
        api.on('job.updated', (j) => { if (j.state === 'done' && j.outputId) resolve(j.outputId); });
      });
      const job = await api.invoke('generate.submit', {
        params: { prompt: 'a red ball', width: 32, height: 32, frames: 5, steps: 5, guidance: 5, shift: 3, seed: 3, sampler: 'unipc' },
      });
      expect(job.state).toBe('queued');
      const outputId = await done;
      off();
      expect(progress.filter((p) => p.stage === 'denoise').length).toBeGreaterThanOrEqual(5);
      const withPreview = progress.filter((p) => p.previewUrl);
      expect(withPreview.length).toBeGreaterThan(0);
      const item = await api.invoke('gallery.get', { id: outputId });
      expect(item.url).toBe(fileUrlPath(item.path));
      const file = await request(item.url!, { headers: { ...bearer(), range: 'bytes=0-9' } });
      expect(file.status).toBe(206);
      expect(file.headers['content-range']).toBe(`bytes 0-9/${item.sizeBytes}`);
      await expect(api.invoke('queue.cancel', { id: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(api.invoke('generate.submit', { params: { prompt: 'x' } } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    } finally {
      api.close();
    }
  });

  test('settings updates are validated and broadcast', async () => {
    const api = createWsClient({ baseUrl: base, token: s.token, WebSocket: WebSocket as never });
    const seen = new Promise((resolve) => api.on('settings.changed', resolve));
    const next = await api.invoke('settings.update', { theme: 'dark' });
    expect(next.theme).toBe('dark');
    expect(await seen).toMatchObject({ theme: 'dark' });
    await expect(api.invoke('settings.update', { outputDir: '/etc' })).rejects.toMatchObject({ code: 'FORBIDDEN_PATH' });
    api.close();
  });

  test('the headless folder picker lists only allowed roots', async () => {
    const api = createWsClient({ baseUrl: base, token: s.token, WebSocket: WebSocket as never });
    const roots = await api.invoke('files.roots');
    expect(roots.map((r) => r.label)).toEqual(expect.arrayContaining(['Tessera data', 'Outputs', 'Models']));
    const listing = await api.invoke('files.list', { path: roots[0]!.path });
    expect(listing.entries.some((e) => e.name === 'tessera.db')).toBe(true);
    await expect(api.invoke('files.list', { path: '/etc' })).rejects.toMatchObject({ code: 'FORBIDDEN_PATH' });
    expect(await api.invoke('files.pickFolder', {})).toEqual({ path: null });
    await expect(api.invoke('models.import', { dir: '/usr' })).rejects.toMatchObject({ code: 'FORBIDDEN_PATH' });
    const bad = path.join(dataDir, 'models', 'bad-folder');
    fs.mkdirSync(bad, { recursive: true });
    await expect(api.invoke('models.import', { dir: bad })).rejects.toMatchObject({ code: 'INVALID_MODEL', message: expect.stringContaining('not a Wan2.1 model folder') });
    api.close();
  });
});
