import { describe, expect, it } from 'vitest';
import { createFakeApi } from '../../test/fakeApi';
import { baseParams, demoModel, galleryItem } from '../../test/fixtures';
import { createAppStore } from '../../store/store';

describe('gallery slice', () => {
  it('pages, searches, and drops stale answers', async () => {
    const resolvers: Array<() => void> = [];
    const api = createFakeApi({
      'gallery.list': (p) =>
        new Promise((r) => resolvers.push(() => r({ items: [galleryItem({ id: `g-${p.search ?? 'all'}-${p.offset}` })], total: 5 }))),
    });
    const store = createAppStore(api);
    const first = store.getState().gallery.load();
    store.getState().gallery.setSearch('ball');
    const second = store.getState().gallery.load();
    resolvers[1]();
    resolvers[0]();
    await Promise.all([first, second]);
    expect(store.getState().gallery.items.map((x) => x.id)).toEqual(['g-ball-0']);
    const more = store.getState().gallery.load(true);
    resolvers[2]();
    await more;
    expect(api.callsOf('gallery.list')[2]).toMatchObject({ offset: 1, search: 'ball' });
    expect(store.getState().gallery.items).toHaveLength(2);
  });

  it('adds items from events only when they match the search', () => {
    const store = createAppStore(createFakeApi());
    store.getState().gallery.setSearch('cube');
    store.getState().gallery.receiveAdded(galleryItem({ id: 'a', params: { ...baseParams, prompt: 'a ball' } }));
    store.getState().gallery.receiveAdded(galleryItem({ id: 'b', params: { ...baseParams, prompt: 'a Cube' } }));
    expect(store.getState().gallery.items.map((x) => x.id)).toEqual(['b']);
    store.getState().gallery.select('b');
    store.getState().gallery.receiveRemoved('b');
    expect(store.getState().gallery.selectedId).toBeNull();
  });

  it('reuses settings through the prompt editor', async () => {
    const api = createFakeApi({
      'gallery.reuse': () => ({ modelId: 'demo', modelName: 'demo', params: { ...baseParams, seed: 99 }, export: { format: 'gif' } }),
    });
    const store = createAppStore(api);
    store.getState().models.receive([demoModel]);
    expect(await store.getState().gallery.reuse('g1')).toBe(true);
    expect(store.getState().prompt.draft.seed).toBe(99);
    expect(store.getState().prompt.exportSettings.format).toBe('gif');
  });
});
