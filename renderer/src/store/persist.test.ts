import { describe, expect, it, vi } from 'vitest';
import { createFakeApi } from '../test/fakeApi';
import { baseParams, demoModel } from '../test/fixtures';
import { createAppStore } from './store';
import { DRAFT_KEY, DRAFT_VERSION, migrateDraft, persistDraft, snapshotDraft } from './persist';

function memoryStorage(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), map: m };
}

describe('draft persistence', () => {
  it('round-trips and keeps the restored sizes over the model defaults', async () => {
    vi.useFakeTimers();
    const api = createFakeApi({ 'generate.defaults': () => ({ modelId: 'demo', params: { ...baseParams, prompt: '', steps: 8 } }) });
    const storage = memoryStorage();
    const a = createAppStore(api);
    persistDraft(a, storage, 10);
    a.getState().models.receive([demoModel]);
    a.getState().prompt.set('prompt', 'kept across reloads');
    a.getState().prompt.set('steps', 33);
    a.getState().attention.addRule({ pattern: 'sta', window: [1, 1, 1] });
    vi.advanceTimersByTime(20);
    vi.useRealTimers();
    expect(JSON.parse(storage.map.get(DRAFT_KEY)!).version).toBe(DRAFT_VERSION);

    const b = createAppStore(api);
    persistDraft(b, storage, 10);
    b.getState().models.receive([demoModel]);
    await b.getState().prompt.loadDefaults('demo');
    expect(b.getState().prompt.draft.prompt).toBe('kept across reloads');
    expect(b.getState().prompt.draft.steps).toBe(33);
    expect(b.getState().prompt.modelDefaults?.steps).toBe(8);
    expect(b.getState().attention.config.rules).toHaveLength(1);
    // Later model switches take that model's defaults again.
    await b.getState().prompt.loadDefaults('demo');
    expect(b.getState().prompt.draft.steps).toBe(8);
  });

  it('migrates version 1 records and drops broken or future ones', () => {
    const s = createAppStore(createFakeApi()).getState();
    const v2 = snapshotDraft(s);
    const v1 = { ...v2, version: 1, attention: undefined, attentionRules: [{ pattern: 'sta', window: [3, 3, 3] }], attentionTile: [1, 4, 4] };
    const m = migrateDraft(JSON.stringify(v1));
    expect(m?.attention).toEqual({ config: { tile: [1, 4, 4], rules: [{ pattern: 'sta', window: [3, 3, 3] }] }, mode: 'custom' });
    expect(migrateDraft(JSON.stringify({ ...v2, version: 99 }))).toBeNull();
    expect(migrateDraft('{not json')).toBeNull();
    expect(migrateDraft(JSON.stringify({ ...v2, draft: { prompt: 3 } }))).toBeNull();
    expect(migrateDraft(null)).toBeNull();
  });
});
