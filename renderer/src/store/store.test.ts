import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../test/fakeApi';
import { aliveStatus, baseParams, demoModel, galleryItem, job } from '../test/fixtures';
import { createAppStore } from './store';
import { bindEvents, loadAll } from './sync';
import { defaultSettings } from '../../../app/contract/settings';

function setup() {
  const api = createFakeApi({
    'app.info': () => ({ version: '0.1.0', mode: 'headless', platform: 'linux', dataDir: '/data', nativeDialogs: false }),
    'engine.status': () => aliveStatus,
    'settings.get': () => ({ ...defaultSettings(), defaultModelId: 'demo' }),
    'models.list': () => [demoModel],
    'models.downloads': () => [],
    'queue.list': () => ({ paused: false, jobs: [job({ id: 'q1', position: 0 }), job({ id: 'q2', position: 1 })] }),
    'gallery.list': () => ({ items: [galleryItem()], total: 1 }),
    'attention.presets.list': () => [],
    'generate.presets.list': () => [],
    'generate.history': () => [{ prompt: 'old prompt', negativePrompt: '', lastUsed: 5 }],
    'generate.defaults': () => ({ modelId: 'demo', params: { ...baseParams, prompt: '', seed: 0 } }),
  });
  const store = createAppStore(api, { now: () => 1234, randomSeed: () => 99 });
  return { api, store };
}

describe('store bootstrap and events', () => {
  it('loads every surface and picks the default model', async () => {
    const { store } = setup();
    await loadAll(store);
    const s = store.getState();
    expect(s.engine.status?.state).toBe('alive');
    expect(s.models.activeId).toBe('demo');
    expect(Object.keys(s.queue.byId)).toEqual(['q1', 'q2']);
    expect(s.gallery.items).toHaveLength(1);
    expect(s.prompt.history[0].prompt).toBe('old prompt');
    expect(s.prompt.draft).toMatchObject({ width: 128, height: 128, frames: 17, steps: 8 });
  });

  it('routes events to slices and unsubscribes everything', async () => {
    const { api, store } = setup();
    const off = bindEvents(api, store);
    api.emit('engine.status', { ...aliveStatus, state: 'restarting' });
    expect(store.getState().engine.status?.state).toBe('restarting');
    api.emit('job.updated', job({ id: 'r1', state: 'running' }));
    expect(store.getState().queue.byId.r1.state).toBe('running');
    expect(store.getState().preview.followed).toBe('r1');
    api.emit('job.progress', {
      jobId: 'r1', stage: 'denoise', step: 2, total: 8, secondsPerStep: 0.5, itPerSecond: 2, etaSeconds: 3,
      elapsedSeconds: 1, deviceBytesInUse: 1, deviceBytesPeak: 2, previewUrl: '/p/1.webm', previewSeq: 1,
    });
    expect(store.getState().preview.byJob.r1.step).toBe(2);
    api.emit('job.updated', job({ id: 'r1', state: 'failed', error: { code: 'OUT_OF_MEMORY', message: 'needs 9 GB' } }));
    expect(store.getState().shell.notices.at(-1)?.body).toContain('OUT_OF_MEMORY');
    api.emit('gallery.added', galleryItem({ id: 'g2' }));
    expect(store.getState().gallery.items[0].id).toBe('g2');
    api.emit('job.removed', { id: 'r1' });
    expect(store.getState().queue.byId.r1).toBeUndefined();
    expect(store.getState().preview.byJob.r1).toBeUndefined();
    off();
    expect(api.listenerCount('job.updated')).toBe(0);
    expect(api.listenerCount('engine.status')).toBe(0);
  });
});
