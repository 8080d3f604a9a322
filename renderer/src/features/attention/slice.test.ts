import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../../test/fakeApi';
import { baseParams, demoModel, job } from '../../test/fixtures';
import { createAppStore } from '../../store/store';

function setup(extra: Parameters<typeof createFakeApi>[0] = {}) {
  const api = createFakeApi({
    'generate.defaults': () => ({ modelId: 'demo', params: { ...baseParams, prompt: 'x' } }),
    ...extra,
  });
  const store = createAppStore(api, { randomSeed: () => 5 });
  store.getState().models.receive([demoModel]);
  return { api, store };
}

describe('attention slice', () => {
  it('edits rules and marks the config custom', () => {
    const { store } = setup();
    const a = () => store.getState().attention;
    a().addRule({ pattern: 'sta', window: [1, 1, 1] });
    a().addRule({ pattern: 'tile', globalFrames: 1 });
    expect(a().mode).toBe('custom');
    a().moveRule(1, -1);
    expect(a().config.rules.map((r) => r.pattern)).toEqual(['tile', 'sta']);
    a().moveRule(0, -1);
    expect(a().config.rules.map((r) => r.pattern)).toEqual(['tile', 'sta']);
    a().updateRule(1, { pattern: 'sta', window: [3, 3, 3] });
    a().removeRule(0);
    expect(a().config.rules).toEqual([{ pattern: 'sta', window: [3, 3, 3] }]);
    a().clearRules();
    expect(a().mode).toBe('dense');
  });

  it('calibrates with dense attention and adopts the proposed windows', async () => {
    const { api, store } = setup({
      'attention.calibrate': (p) => ({
        jobId: 'c', steps: 8, layers: 2, heads: 1, candidates: p.request.candidates as Array<[number, number, number]>,
        errors: [0.1, 0.2, 0.3, 0.05], windows: [[[1, 1, 1]], [[3, 3, 3]]], sparsity: 0.6,
        config: { tile: [1, 4, 4], rules: [{ steps: [2, -1], layers: [0, 1], pattern: 'sta', window: [1, 1, 1] }] },
      }),
    });
    store.getState().attention.setTile([1, 4, 4]);
    store.getState().attention.addRule({ pattern: 'sta', window: [1, 1, 1] });
    await store.getState().attention.calibrate({ candidates: [[1, 1, 1], [3, 3, 3]], denseSteps: 2 });
    const sent = api.callsOf('attention.calibrate')[0];
    expect(sent.params.attention).toEqual({ tile: [1, 4, 4], rules: [] });
    expect(sent.request).toEqual({ candidates: [[1, 1, 1], [3, 3, 3]], denseSteps: 2 });
    expect(store.getState().attention.calibration.status).toBe('done');
    store.getState().attention.useCalibration();
    expect(store.getState().attention.mode).toBe('calibrated');
    expect(store.getState().attention.config.tile).toEqual([1, 4, 4]);
  });

  it('reports calibration errors', async () => {
    const { store } = setup({
      'attention.calibrate': () => {
        throw { code: 'CANCELLED', message: 'cancelled by the user' };
      },
    });
    await store.getState().attention.calibrate({ candidates: [[1, 1, 1]], denseSteps: 0 });
    expect(store.getState().attention.calibration).toEqual({ status: 'error', error: { code: 'CANCELLED', message: 'cancelled by the user' } });
  });

  it('saves, applies and deletes presets', async () => {
    const { api, store } = setup({
      'attention.presets.save': (p) => ({ id: 'w1', name: p.name, kind: p.kind, config: p.config as never, modelId: p.modelId ?? null, note: '', builtin: false, updatedAt: 1 }),
      'attention.presets.delete': () => ({ removed: true }),
    });
    store.getState().attention.addRule({ pattern: 'sta', window: [1, 3, 3] });
    await store.getState().attention.savePreset('mine');
    expect(api.callsOf('attention.presets.save')[0]).toMatchObject({ name: 'mine', kind: 'custom', modelId: null });
    store.getState().attention.clearRules();
    store.getState().attention.applyPreset('w1');
    expect(store.getState().attention.config.rules).toEqual([{ pattern: 'sta', window: [1, 3, 3] }]);
    expect(store.getState().attention.presetId).toBe('w1');
    await store.getState().attention.deletePreset('w1');
    expect(store.getState().attention.presets).toEqual([]);
    expect(store.getState().attention.presetId).toBeNull();
  });

  it('runs A/B as two jobs with the same seed and different windows', async () => {
    let n = 0;
    const { api, store } = setup({ 'generate.submit': (spec) => job({ id: `ab${++n}`, params: spec.params as typeof baseParams }) });
    await store.getState().prompt.loadDefaults('demo');
    store.getState().prompt.set('prompt', 'compare me');
    store.getState().prompt.set('seed', 77);
    store.getState().attention.setAbSide('b', { tile: [1, 4, 4], rules: [{ pattern: 'sta', window: [1, 1, 1] }] }, 'B: tight');
    await store.getState().attention.runAb();
    const [a, b] = api.callsOf('generate.submit');
    expect(a.params.seed).toBe(77);
    expect(b.params.seed).toBe(77);
    expect(a.params.attention).toBeUndefined();
    expect(b.params.attention?.rules).toHaveLength(1);
    expect(store.getState().attention.ab.a.jobId).toBe('ab1');
    expect(store.getState().attention.ab.b.jobId).toBe('ab2');
  });
});
