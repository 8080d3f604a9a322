// Attention-map visualizer: which step/layer/head/query to capture, the engine's answer, and
// how to draw it. Picking a query (a click on a frame or a tile) captures again.
import type { AttnMapResult } from '../../../../app/contract/entities';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';
import { buildParams } from '../prompt/params';
import type { Scale } from './heatmap';
import { DEFAULT_TILE, type Vec3 } from '../attention/geometry';

export type Query = { kind: 'token'; index: number } | { kind: 'tile'; index: number };

export interface MapRequestDraft {
  step: number;
  layer: number;
  head: number;
  query: Query;
  cond: boolean;
}

export type MapState =
  | { status: 'idle' }
  | { status: 'running'; request: MapRequestDraft }
  | { status: 'done'; request: MapRequestDraft; result: AttnMapResult }
  | { status: 'error'; request: MapRequestDraft; error: UiError };

export interface AttnMapSlice {
  request: MapRequestDraft;
  state: MapState;
  /** Last good result, kept on screen while a new one computes. */
  last: { request: MapRequestDraft; result: AttnMapResult; tile: Vec3 } | null;
  scale: Scale;
  setRequest(r: Partial<MapRequestDraft>): void;
  setScale(scale: Scale): void;
  run(): Promise<void>;
  pick(query: Query): Promise<void>;
}

export const createAttnMapSlice: SliceCreator<{ attnmap: AttnMapSlice }> = (set, get, { api }) => {
  let seq = 0;
  return {
    attnmap: {
      request: { step: 0, layer: 0, head: 0, query: { kind: 'tile', index: 0 }, cond: true },
      state: { status: 'idle' },
      last: null,
      scale: 'log',
      setRequest(r) {
        patch(set, 'attnmap', (m) => ({ request: { ...m.request, ...r } }));
      },
      setScale(scale) {
        patch(set, 'attnmap', { scale });
      },
      async run() {
        const s = get();
        const request = s.attnmap.request;
        const id = ++seq;
        patch(set, 'attnmap', { state: { status: 'running', request } });
        try {
          const params = { ...buildParams(s), preview: false };
          const result = await api.invoke('attention.map', {
            modelId: s.models.activeId ?? undefined,
            params,
            request: {
              step: request.step,
              layer: request.layer,
              head: request.head,
              cond: request.cond,
              ...(request.query.kind === 'token' ? { queryToken: request.query.index } : { queryTile: request.query.index }),
            },
          });
          const tile = (params.attention?.tile ?? DEFAULT_TILE) as Vec3;
          if (id === seq) patch(set, 'attnmap', { state: { status: 'done', request, result }, last: { request, result, tile } });
        } catch (e) {
          if (id === seq) patch(set, 'attnmap', { state: { status: 'error', request, error: toUiError(e) } });
        }
      },
      async pick(query) {
        get().attnmap.setRequest({ query });
        await get().attnmap.run();
      },
    },
  };
};
