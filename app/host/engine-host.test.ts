import { afterEach, describe, expect, test } from 'vitest';
import type { EngineStatus } from '../contract/entities.js';
import type { GenerateParams, Progress } from '../engine/types.js';
import { EngineHost, type EngineHostOptions } from './engine-host.js';
import { fakeLauncher } from './test/fake-launcher.js';

const params = (prompt: string, extra: Partial<GenerateParams> = {}): GenerateParams => ({
  prompt, width: 32, height: 32, frames: 5, steps: 6, guidance: 5, shift: 3, seed: 1, sampler: 'unipc', ...extra,
});

let host: EngineHost | null = null;
afterEach(async () => { await host?.dispose(); host = null; });

function start(env: Record<string, string> = {}, opts: Partial<EngineHostOptions> = {}): EngineHost {
  host = new EngineHost({ launcher: fakeLauncher(env), backoffMs: [50, 100], ...opts });
  host.start();
  return host;
}

function waitState(h: EngineHost, state: EngineStatus['state'], timeoutMs = 20000): Promise<EngineStatus> {
  if (h.status.state === state) return Promise.resolve(h.status);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`state ${h.status.state}, expected ${state}`)), timeoutMs);
    const off = h.onStatus((s) => { if (s.state === state) { clearTimeout(t); off(); resolve(s); } });
  });
}

describe('engine host', () => {
  test('starts the engine process and runs a generation with progress and previews', async () => {
    const h = start();
    await h.ready();
    expect(h.status).toMatchObject({ state: 'alive', backend: 'cpu', deviceName: 'Fake CPU' });
    const seen: Progress[] = [];
    const video = await h.generate('/models/a', params('a ball', { preview: true }), { onProgress: (p) => seen.push(p) });
    expect(video.rgb).toBeInstanceOf(Uint8Array);
    expect(video.rgb.length).toBe(5 * 32 * 32 * 3);
    const denoise = seen.filter((p) => p.stage === 'denoise');
    expect(denoise.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(denoise[0]!.preview!.rgb).toBeInstanceOf(Uint8Array);
    expect(seen.some((p) => p.stage === 'decode')).toBe(true);
    expect((await h.modelInfo('/models/a')).dit.layers).toBe(2);
  });

  test('engine errors keep their code', async () => {
    const h = start();
    await expect(h.generate('/models/a', params('oom'))).rejects.toMatchObject({ code: 'OUT_OF_MEMORY' });
    await expect(h.modelInfo('/models/bad')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(h.status.state).toBe('alive');
  });

  test('cancel stops a generation within a step', async () => {
    const h = start({ FAKE_STEP_MS: '100' });
    await h.ready();
    const ac = new AbortController();
    const p = h.generate('/m', params('slow', { steps: 50 }), {
      signal: ac.signal, onProgress: (pr) => { if (pr.stage === 'denoise' && pr.step === 2) ac.abort(); },
    });
    const t0 = Date.now();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(h.status.state).toBe('alive');
  });

  test('a crash fails the running call with the reason and the engine comes back', async () => {
    const h = start();
    await h.ready();
    const states: string[] = [];
    h.onStatus((s) => { if (states[states.length - 1] !== s.state) states.push(s.state); });
    await expect(h.generate('/m', params('crash please'))).rejects.toMatchObject({
      code: 'ENGINE_CRASHED', message: expect.stringContaining('exited with code 3'),
    });
    await waitState(h, 'alive');
    expect(states.slice(0, 2)).toEqual(['restarting', 'alive']);
    expect(h.status.restarts).toBe(1);
    const v = await h.generate('/m', params('fine now'));
    expect(v.frames).toBe(5);
  });

  test('SIGKILL (out of memory killer) is explained', async () => {
    const h = start();
    await expect(h.generate('/m', params('sigkill'))).rejects.toMatchObject({
      code: 'ENGINE_CRASHED', message: expect.stringMatching(/SIGKILL.*out of memory/),
    });
    await waitState(h, 'alive');
  });

  test('an engine that ignores cancel is killed after the grace period and restarted', async () => {
    const h = start({ FAKE_STEP_MS: '300' }, { cancelGraceMs: 200 });
    await h.ready();
    const ac = new AbortController();
    const p = h.generate('/m', params('hang', { steps: 20 }), { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await waitState(h, 'alive');
  });

  test('a start failure is final (no restart loop) and explains itself', async () => {
    const h = start({ FAKE_INIT_FAIL: '1' });
    await expect(h.ready()).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    expect(h.status).toMatchObject({ state: 'dead', lastError: expect.stringContaining('ADDON_LOAD_FAILED') });
    await expect(h.modelInfo('/m')).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
  });

  test('repeated crashes end in dead; restart() revives', async () => {
    const h = start({ FAKE_EXIT_ON_START: '7' }, { maxCrashes: 3, backoffMs: [20] });
    const pending = h.modelInfo('/m');
    await waitState(h, 'dead');
    await expect(pending).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    expect(h.status.lastError).toContain('code 7');
    expect(h.status.restarts).toBe(2);
  });

  test('calls made before the engine is ready wait for it', async () => {
    const h = start();
    const est = await h.estimateMemory('/m', params('x'));
    expect(est.fits).toBe(true);
  });
});

test('the engine process exits when the host process dies', async () => {
  const { fork } = await import('node:child_process');
  const path = await import('node:path');
  // A throwaway host process that starts the engine on a long job, reports its pid, then is killed.
  const script = `
    const { EngineHost } = require('./engine-host.ts');
    const { fakeLauncher } = require('./test/fake-launcher.ts');
    const h = new EngineHost({ launcher: fakeLauncher() });
    h.start();
    // A long generation keeps the engine busy (its event loop alive) when the host dies.
    const params = { prompt: 'busy', width: 32, height: 32, frames: 5, steps: 100000, guidance: 5, shift: 3, seed: 1, sampler: 'unipc' };
    let sent = false;
    h.generate('/m', params, { onProgress: () => { if (!sent) { sent = true; process.send(h.pid); } } }).catch(() => {});`;
  const fs = await import('node:fs');
  const file = path.join(__dirname, `.orphan-host-${process.pid}.ts`);
  fs.writeFileSync(file, script);
  try {
    const parent = fork(file, [], { execArgv: ['-r', path.join(__dirname, 'test/ts-register.cjs')], stdio: 'ignore' });
    const enginePid = await new Promise<number>((resolve) => parent.once('message', (m) => resolve(m as number)));
    expect(() => process.kill(enginePid, 0)).not.toThrow();
    parent.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      try { process.kill(enginePid, 0); } catch { alive = false; }
    }
    expect(alive).toBe(false);
  } finally {
    fs.rmSync(file, { force: true });
  }
}, 30_000);
