import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../../test/fakeApi';
import { baseParams, demoModel, job } from '../../test/fixtures';
import { createAppStore } from '../../store/store';
import type { MemoryEstimate } from '../../../../app/engine/types';

function setup(extra: Parameters<typeof createFakeApi>[0] = {}) {
  const api = createFakeApi({
    'generate.defaults': () => ({ modelId: 'demo', params: { ...baseParams, prompt: 'model default', seed: 0, negativePrompt: 'blurry' } }),
    'generate.submit': (spec) => job({ id: 'new', params: spec.params as typeof baseParams, createdAt: 50 }),
    ...extra,
  });
  let seed = 100;
  const store = createAppStore(api, { randomSeed: () => seed++ });
  store.getState().models.receive([demoModel]);
  return { api, store };
}

describe('prompt slice', () => {
  it('takes the model defaults but keeps what the user wrote', async () => {
    const { store } = setup();
    store.getState().prompt.set('prompt', 'my prompt');
    await store.getState().prompt.loadDefaults('demo');
    const d = store.getState().prompt.draft;
    expect(d.prompt).toBe('my prompt');
    expect(d.negativePrompt).toBe('blurry');
    expect(d.steps).toBe(8);
  });

  it('draws a new seed per submission unless locked, and records history', async () => {
    const { api, store } = setup();
    await store.getState().prompt.loadDefaults('demo');
    store.getState().prompt.set('prompt', 'a cube');
    await store.getState().prompt.submit();
    await store.getState().prompt.submit();
    store.getState().prompt.setSeedLocked(true);
    await store.getState().prompt.submit();
    const seeds = api.callsOf('generate.submit').map((c) => c.params.seed);
    expect(seeds).toEqual([100, 101, 101]);
    expect(store.getState().prompt.history.filter((h) => h.prompt === 'a cube')).toHaveLength(1);
    expect(store.getState().queue.byId.new).toBeDefined();
    expect(store.getState().preview.followed).toBe('new');
  });

  it('sends the attention config only when it has rules, and fixes few-step step counts', async () => {
    const { api, store } = setup();
    await store.getState().prompt.loadDefaults('demo');
    await store.getState().prompt.submit();
    expect(api.callsOf('generate.submit')[0].params.attention).toBeUndefined();
    store.getState().attention.addRule({ steps: [2, -1], pattern: 'sta', window: [1, 3, 3] });
    store.getState().prompt.set('sampler', 'fewstep');
    store.getState().prompt.set('timesteps', [1000, 757, 522]);
    await store.getState().prompt.submit();
    const p = api.callsOf('generate.submit')[1].params;
    expect(p.attention?.rules).toEqual([{ steps: [2, -1], pattern: 'sta', window: [1, 3, 3] }]);
    expect(p.steps).toBe(3);
    expect(p.timesteps).toEqual([1000, 757, 522]);
  });

  it('shows a submit error and keeps the draft', async () => {
    const { store } = setup({
      'generate.submit': () => {
        throw Object.assign(new Error('frames must be 4n+1'), { code: 'BAD_REQUEST' });
      },
    });
    store.getState().prompt.set('prompt', 'x');
    expect(await store.getState().prompt.submit()).toBeNull();
    expect(store.getState().prompt.submitError).toEqual({ code: 'BAD_REQUEST', message: 'frames must be 4n+1' });
    expect(store.getState().prompt.draft.prompt).toBe('x');
  });

  it('keeps only the newest memory estimate when answers arrive out of order', async () => {
    const resolvers: Array<(v: MemoryEstimate) => void> = [];
    const { store } = setup({
      'generate.estimate': () => new Promise<MemoryEstimate>((r) => resolvers.push(r)),
    });
    const first = store.getState().prompt.estimateNow();
    store.getState().prompt.set('width', 256);
    const second = store.getState().prompt.estimateNow();
    const est = (peak: number): MemoryEstimate => ({ weightsBytes: 1, activationsBytes: 1, peakBytes: peak, availableBytes: 10, fits: true });
    resolvers[1](est(2));
    resolvers[0](est(1));
    await Promise.all([first, second]);
    const e = store.getState().prompt.estimate;
    expect(e.status).toBe('ok');
    expect(e.status === 'ok' && e.value.peakBytes).toBe(2);
  });

  it('saves presets without prompt or seed and applies them', async () => {
    const { api, store } = setup({
      'generate.presets.save': (p) => ({ id: 'p1', name: p.name, params: p.params as object, updatedAt: 1 }),
    });
    store.getState().prompt.set('steps', 20);
    store.getState().prompt.set('prompt', 'secret');
    await store.getState().prompt.savePreset('twenty');
    const saved = api.callsOf('generate.presets.save')[0].params;
    expect(saved.steps).toBe(20);
    expect(saved).not.toHaveProperty('prompt');
    expect(saved).not.toHaveProperty('seed');
    store.getState().prompt.set('steps', 5);
    store.getState().prompt.applyPreset('p1');
    expect(store.getState().prompt.draft.steps).toBe(20);
    expect(store.getState().prompt.draft.prompt).toBe('secret');
  });

  it('reuses settings exactly, including seed and attention', () => {
    const { store } = setup();
    store.getState().prompt.applyReusable({
      modelId: 'demo',
      modelName: 'demo',
      params: { ...baseParams, seed: 4242, attention: { tile: [2, 4, 4], rules: [{ pattern: 'sta', window: [1, 1, 1] }] } },
      export: { format: 'webm', crf: 30 },
    });
    const s = store.getState();
    expect(s.prompt.draft.seed).toBe(4242);
    expect(s.prompt.seedLocked).toBe(true);
    expect(s.prompt.exportSettings).toEqual({ format: 'webm', crf: 30 });
    expect(s.attention.config).toEqual({ tile: [2, 4, 4], rules: [{ pattern: 'sta', window: [1, 1, 1] }] });
    expect(s.attention.mode).toBe('custom');
  });
});
