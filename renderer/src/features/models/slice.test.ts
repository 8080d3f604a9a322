import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../../test/fakeApi';
import { demoModel } from '../../test/fixtures';
import { createAppStore } from '../../store/store';

describe('models slice', () => {
  it('keeps the import error for the form and adds imported models', async () => {
    let fail = true;
    const api = createFakeApi({
      'models.import': ({ dir }) => {
        if (fail) throw { code: 'INVALID_MODEL', message: `${dir}: no config.json` };
        return { ...demoModel, id: 'm2', name: 'imported', source: 'imported' as const };
      },
    });
    const store = createAppStore(api);
    expect(await store.getState().models.importFolder('/x')).toBeNull();
    expect(store.getState().models.importError).toEqual({ code: 'INVALID_MODEL', message: '/x: no config.json' });
    fail = false;
    await store.getState().models.importFolder('/y', 'imported');
    expect(api.callsOf('models.import')[1]).toEqual({ dir: '/y', name: 'imported' });
    expect(store.getState().models.list.map((m) => m.id)).toEqual(['m2']);
    expect(store.getState().models.activeId).toBeNull();
    expect(store.getState().models.importError).toBeNull();
  });

  it('picks the default model, then keeps the user choice, and moves off a removed one', async () => {
    const api = createFakeApi({ 'models.remove': () => ({ removed: true }) });
    const store = createAppStore(api);
    const m2 = { ...demoModel, id: 'm2' };
    store.getState().models.receive([demoModel, m2]);
    expect(store.getState().models.activeId).toBe('demo');
    store.getState().models.setActive('m2');
    store.getState().models.receive([demoModel, m2]);
    expect(store.getState().models.activeId).toBe('m2');
    await store.getState().models.remove('m2', false);
    expect(store.getState().models.activeId).toBe('demo');
  });

  it('tracks download progress by id', () => {
    const store = createAppStore(createFakeApi());
    const d = { id: 'd', name: 'x', state: 'downloading' as const, files: [], receivedBytes: 1, totalBytes: 10, bytesPerSecond: 1, error: null, modelId: null, createdAt: 1 };
    store.getState().models.receiveDownload(d);
    store.getState().models.receiveDownload({ ...d, receivedBytes: 5 });
    expect(store.getState().models.downloads).toEqual([{ ...d, receivedBytes: 5 }]);
  });
});
