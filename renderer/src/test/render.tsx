// Renders components with a store on a fake API, loaded like the real app.
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { defaultSettings } from '../../../app/contract/settings';
import { StoreProvider } from '../store/context';
import { createAppStore } from '../store/store';
import { bindEvents, loadAll } from '../store/sync';
import { createFakeApi, type FakeHandlers } from './fakeApi';
import { aliveStatus, baseParams, demoModel, galleryItem, job } from './fixtures';

export function standardHandlers(): FakeHandlers {
  return {
    'app.info': () => ({ version: '0.1.0', mode: 'headless', platform: 'linux', dataDir: '/data', nativeDialogs: false }),
    'engine.status': () => aliveStatus,
    'settings.get': () => ({ ...defaultSettings(), defaultModelId: 'demo' }),
    'settings.update': (p) => ({ ...defaultSettings(), ...p }),
    'models.list': () => [demoModel],
    'models.downloads': () => [],
    'queue.list': () => ({ paused: false, jobs: [job({ id: 'q1', position: 0, label: 'first' }), job({ id: 'q2', position: 1, label: 'second' }), job({ id: 'q3', position: 2, label: 'third' })] }),
    'queue.reorder': ({ ids }) => ({ paused: false, jobs: ids.map((id, i) => job({ id, position: i, label: id })) }),
    'queue.cancel': ({ id }) => job({ id, state: 'cancelled' }),
    'gallery.list': () => ({ items: [galleryItem()], total: 1 }),
    'attention.presets.list': () => [],
    'generate.presets.list': () => [],
    'generate.history': () => [],
    'generate.defaults': () => ({ modelId: 'demo', params: { ...baseParams, prompt: '', seed: 0 } }),
    'generate.estimate': () => ({ weightsBytes: 1e6, activationsBytes: 2e6, peakBytes: 3e6, availableBytes: 8e9, fits: true }),
    'generate.submit': (spec) => job({ id: 'new', params: { ...baseParams, ...spec.params } }),
  };
}

export async function renderApp(ui: ReactElement, extra: FakeHandlers = {}) {
  const api = createFakeApi({ ...standardHandlers(), ...extra });
  const store = createAppStore(api, { randomSeed: () => 4242 });
  bindEvents(api, store);
  store.getState().engine.setConnection('open');
  await loadAll(store);
  const utils = render(<StoreProvider store={store}>{ui}</StoreProvider>);
  return { api, store, ...utils };
}
