import fs from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import type { Job } from '../../contract/entities.js';
import type { GenerateParams } from '../../engine/types.js';
import { fakeModelInfo } from '../../host/test/fake-engine.js';
import { fakeLauncher } from '../../host/test/fake-launcher.js';
import { apiOf, nextEvent, startTestCore, tempDir, type TestCore } from '../test/test-core.js';

const P = (prompt: string, extra: Partial<GenerateParams> = {}): GenerateParams => ({
  prompt, width: 32, height: 32, frames: 5, steps: 4, guidance: 5, shift: 3, seed: 7, sampler: 'unipc', ...extra,
});

let t: TestCore | null = null;
afterEach(async () => { await t?.close(); t = null; });

const finished = (core: TestCore['core'], id: string) =>
  nextEvent(core, 'job.updated', (j) => j.id === id && !['queued', 'running'].includes(j.state));

describe('job queue', { timeout: 60_000 }, () => {
  test('runs jobs in order, exports each, records it in the gallery with its settings', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const order: string[] = [];
    t.core.events.on('job.updated', (j) => { if (j.state === 'running') order.push(j.id); });
    const a = await api('generate.submit', { params: P('first') });
    const b = await api('generate.submit', { params: P('second', { seed: 8 }), export: { format: 'webm', crf: 30 } });
    expect(a.state).toBe('queued');
    const doneB = await finished(t.core, b.id);
    expect(order).toEqual([a.id, b.id]);
    expect(doneB.state).toBe('done');
    const item = await api('gallery.get', { id: doneB.outputId! });
    expect(item.params).toEqual(P('second', { seed: 8 }));
    expect(item.export).toEqual({ format: 'webm', crf: 30 });
    expect(item.path.endsWith('.webm')).toBe(true);
    expect(fs.existsSync(item.path)).toBe(true);
    expect(item).toMatchObject({ width: 32, height: 32, frames: 5, fps: 16, modelId: 'demo' });
    // Reuse settings: from the database and from the file's embedded metadata, both exact.
    const reuse = await api('gallery.reuse', { id: item.id });
    expect(reuse).toEqual({ modelId: 'demo', modelName: 'Tessera demo (built-in)', params: item.params, export: item.export });
    expect(await api('gallery.reuseFromFile', { path: item.path })).toEqual(reuse);
    const page = await api('gallery.list', { search: 'seco' });
    expect(page.total).toBe(1);
    expect(page.items[0]!.id).toBe(item.id);
  });

  test('progress events carry step, ETA, it/s and a live preview clip', async () => {
    t = await startTestCore({ stepMs: 60 });
    const api = apiOf(t.core);
    const progress: Array<{ step: number; stage: string; previewUrl: string | null; eta: number | null; its: number }> = [];
    t.core.events.on('job.progress', (p) => progress.push({ step: p.step, stage: p.stage, previewUrl: p.previewUrl, eta: p.etaSeconds, its: p.itPerSecond }));
    const job = await api('generate.submit', { params: P('preview me', { steps: 6 }) });
    await finished(t.core, job.id);
    const denoise = progress.filter((p) => p.stage === 'denoise');
    expect(denoise.length).toBeGreaterThanOrEqual(6);
    expect(denoise.at(-1)!.its).toBeGreaterThan(0);
    expect(denoise.some((p) => p.eta !== null && p.eta > 0)).toBe(true);
    const urls = new Set(progress.map((p) => p.previewUrl).filter(Boolean));
    expect(urls.size).toBeGreaterThanOrEqual(2);
  });

  test('pause holds queued jobs; resume runs them', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    expect((await api('queue.pause')).paused).toBe(true);
    const j = await api('generate.submit', { params: P('waits') });
    await new Promise((r) => setTimeout(r, 300));
    expect((await api('queue.get', { id: j.id })).state).toBe('queued');
    const done = finished(t.core, j.id);
    expect((await api('queue.resume')).paused).toBe(false);
    expect((await done).state).toBe('done');
  });

  test('cancel: a queued job at once, a running one within a step', async () => {
    t = await startTestCore({ stepMs: 100 });
    const api = apiOf(t.core);
    const run = await api('generate.submit', { params: P('long', { steps: 100 }) });
    const queued = await api('generate.submit', { params: P('never') });
    expect((await api('queue.cancel', { id: queued.id })).state).toBe('cancelled');
    await nextEvent(t.core, 'job.progress', (p) => p.jobId === run.id && p.stage === 'denoise' && p.step >= 2);
    const t0 = Date.now();
    const done = finished(t.core, run.id);
    await api('queue.cancel', { id: run.id });
    const j = await done;
    expect(j.state).toBe('cancelled');
    expect(j.error?.code).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(j.outputId).toBeNull();
  });

  test('a failing job fails with the engine code; retry queues it again; remove forgets it', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const j = await api('generate.submit', { params: P('oom') });
    const failed = await finished(t.core, j.id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'OUT_OF_MEMORY' });
    await expect(api('queue.retry', { id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const again = finished(t.core, j.id);
    expect((await api('queue.retry', { id: j.id })).state).toBe('queued');
    const f2 = await again;
    expect(f2.attempts).toBe(2);
    expect(await api('queue.remove', { id: j.id })).toEqual({ removed: true });
    await expect(api('queue.get', { id: j.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('an engine crash fails the running job with the reason; the next job runs', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const a = await api('generate.submit', { params: P('crash now') });
    const b = await api('generate.submit', { params: P('after the failure') });
    const fa = await finished(t.core, a.id);
    expect(fa.state).toBe('failed');
    expect(fa.error?.code).toBe('ENGINE_CRASHED');
    expect(fa.error?.message).toContain('exited with code 3');
    const fb = await finished(t.core, b.id);
    expect(fb.error).toBeNull();
    expect(fb.state).toBe('done');
  });

  test('reorder puts the listed queued jobs first', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    await api('queue.pause');
    const ids = [];
    for (const n of ['a', 'b', 'c']) ids.push((await api('generate.submit', { params: P(n) })).id);
    const snap = await api('queue.reorder', { ids: [ids[2]!, ids[0]!] });
    expect(snap.jobs.filter((j) => j.state === 'queued').map((j) => j.id)).toEqual([ids[2], ids[0], ids[1]]);
    await expect(api('queue.reorder', { ids: ['missing'] })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  test('after a restart: running -> interrupted (not re-run), queued kept and then run, paused remembered', async () => {
    const dataDir = tempDir();
    t = await startTestCore({ dataDir, stepMs: 200 });
    let api = apiOf(t.core);
    const running = nextEvent(t.core, 'job.progress', (p) => p.stage === 'denoise');
    const a = await api('generate.submit', { params: P('interrupted', { steps: 50 }) });
    const b = await api('generate.submit', { params: P('kept') });
    expect((await running).jobId).toBe(a.id);
    await t.close(); // the app stops while a runs
    t = await startTestCore({ dataDir });
    api = apiOf(t.core);
    const ja = await api('queue.get', { id: a.id });
    expect(ja.state).toBe('interrupted');
    expect(ja.error?.message).toMatch(/stopped/);
    const jb = await api('queue.get', { id: b.id });
    expect(['queued', 'running', 'done']).toContain(jb.state);
    const fb = jb.state === 'done' ? jb : await finished(t.core, b.id);
    expect(fb.state).toBe('done');
    expect((await api('queue.get', { id: a.id })).state).toBe('interrupted');
    await api('queue.pause');
    await t.close();
    t = await startTestCore({ dataDir });
    expect((await apiOf(t.core)('queue.list')).paused).toBe(true);
  });

  test('a batch (prompt list x seed sweep) runs every job and ends with one notification', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    const notes: string[] = [];
    t.core.events.on('notification', (n) => notes.push(n.title));
    const fin = nextEvent(t.core, 'batch.finished');
    const r = await api('queue.submitBatch', { base: P('x'), prompts: ['red ball', '', 'blue cube'], seeds: { from: 10, count: 2 } });
    expect(r.jobs.map((j: Job) => [j.params.prompt, j.params.seed])).toEqual([
      ['red ball', 10], ['red ball', 11], ['blue cube', 10], ['blue cube', 11]]);
    const b = await fin;
    expect(b).toMatchObject({ batchId: r.batchId, done: 4, failed: 0 });
    expect(notes).toEqual(['Batch finished']);
  });

  test('attention map and calibration run as priority jobs, even while the queue is paused', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    await api('queue.pause');
    const map = await api('attention.map', { params: P('look', { steps: 3 }), request: { step: 1, layer: 0, head: 1, queryTile: 0 } });
    expect(map.grid).toEqual([2, 2, 2]);
    expect(map.probs).toHaveLength(8);
    expect(map.tileMass).toEqual([0.75, 0.25, 0.25, 0.75]);
    const cal = await api('attention.calibrate', { params: P('cal', { steps: 3 }), request: { candidates: [[1, 1, 1], [3, 3, 3]], denseSteps: 1 } });
    expect(cal.windows).toHaveLength(2);
    expect(cal.config.rules).toHaveLength(2 * 4);
    expect(cal.config.rules[0]).toEqual({ steps: [1, -1], layers: [0, 1], head: 0, pattern: 'sta', window: [1, 1, 1] });
  });

  test('while the engine is dead jobs stay queued (none fails); they run once it is restarted', async () => {
    let broken = true;
    const launcher = { launch: () => fakeLauncher(broken ? { FAKE_INIT_FAIL: '1' } : {}).launch() };
    t = await startTestCore({ launcher, builtin: false });
    const api = apiOf(t.core);
    if (t.host.status.state !== 'dead') await nextEvent(t.core, 'engine.status', (st) => st.state === 'dead');
    // A model registered while the engine is dead cannot be validated; register one directly.
    t.core.db.prepare(`INSERT INTO models (id, name, dir, source, info, size_bytes, vram_bytes, added_at)
      VALUES ('m', 'M', '/models/m', 'imported', ?, 0, 0, 0)`).run(JSON.stringify(fakeModelInfo('/models/m')));
    const a = await api('generate.submit', { params: P('waits for the engine'), modelId: 'm' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await api('queue.get', { id: a.id })).state).toBe('queued');
    broken = false;
    const done = finished(t.core, a.id);
    expect((await api('engine.restart')).state).toBe('alive');
    expect((await done).state).toBe('done');
  });

  test('bad params never reach the queue', async () => {
    t = await startTestCore();
    const api = apiOf(t.core);
    await expect(api('generate.submit', { params: P('x', { frames: 6 }) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(api('generate.submit', { params: P('x'), modelId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await api('queue.list')).jobs).toHaveLength(0);
  });
});
