// Shared types of the store's feature slices. Each slice gets zustand's set/get over the whole
// state and the API, and keeps its data under its own key so slices never collide.
import type { StoreApi } from 'zustand/vanilla';
import type { TesseraApi } from '../api/client';
import type { AppState } from './store';

export type SetState = StoreApi<AppState>['setState'];
export type GetState = StoreApi<AppState>['getState'];

export interface Deps {
  api: TesseraApi;
  /** Wall clock, injectable for tests. */
  now: () => number;
  /** Random seed source, injectable for tests. */
  randomSeed: () => number;
}

export type SliceCreator<T> = (set: SetState, get: GetState, deps: Deps) => T;

/** Sets one slice's data object from a partial update. */
export function patch<K extends keyof AppState>(set: SetState, key: K, update: Partial<AppState[K]> | ((s: AppState[K]) => Partial<AppState[K]>)): void {
  set((state) => {
    const cur = state[key];
    const next = typeof update === 'function' ? (update as (s: AppState[K]) => Partial<AppState[K]>)(cur) : update;
    return { [key]: { ...cur, ...next } } as Pick<AppState, K>;
  });
}
