// The one store of the renderer, built from the feature slices.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { TesseraApi } from '../api/client';
import { createAttentionSlice, type AttentionSlice } from '../features/attention/slice';
import { createAttnMapSlice, type AttnMapSlice } from '../features/attnmap/slice';
import { createEngineSlice, type EngineSlice } from '../features/engine/slice';
import { createGallerySlice, type GallerySlice } from '../features/gallery/slice';
import { createModelsSlice, type ModelsSlice } from '../features/models/slice';
import { createPreviewSlice, type PreviewSlice } from '../features/preview/slice';
import { createPromptSlice, type PromptSlice } from '../features/prompt/slice';
import { createQueueSlice, type QueueSlice } from '../features/queue/slice';
import { createSettingsSlice, type SettingsSlice } from '../features/settings/slice';
import { createShellSlice, type ShellSlice } from '../features/shell/slice';
import type { Deps } from './types';

export interface AppState {
  engine: EngineSlice;
  settings: SettingsSlice;
  models: ModelsSlice;
  prompt: PromptSlice;
  attention: AttentionSlice;
  preview: PreviewSlice;
  queue: QueueSlice;
  attnmap: AttnMapSlice;
  gallery: GallerySlice;
  shell: ShellSlice;
}

export type AppStore = StoreApi<AppState>;

export function randomSeed(): number {
  // 32 random bits: plenty of distinct seeds and exactly representable everywhere.
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0];
}

export function createAppStore(api: TesseraApi, deps: Partial<Omit<Deps, 'api'>> = {}): AppStore {
  const d: Deps = { api, now: deps.now ?? Date.now, randomSeed: deps.randomSeed ?? randomSeed };
  return createStore<AppState>()((set, get) => ({
    ...createEngineSlice(set, get, d),
    ...createSettingsSlice(set, get, d),
    ...createModelsSlice(set, get, d),
    ...createPromptSlice(set, get, d),
    ...createAttentionSlice(set, get, d),
    ...createPreviewSlice(set, get, d),
    ...createQueueSlice(set, get, d),
    ...createAttnMapSlice(set, get, d),
    ...createGallerySlice(set, get, d),
    ...createShellSlice(set, get, d),
  }));
}
