// The job queue as the app reports it (persistent in the app's SQLite): snapshots on load and
// after a reconnect, single-job updates from events, and the user's queue operations. Reorders are
// applied optimistically and then replaced by the app's snapshot.
import type { BatchFinished, Job, QueueSnapshot } from '../../../../app/contract/entities';
import type { MethodParams } from '../../api/client';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';
import { moveBy, moveTo, queuedIds } from './order';

export type BatchRequest = MethodParams<'queue.submitBatch'>;

export interface QueueSlice {
  byId: Record<string, Job>;
  paused: boolean;
  loaded: boolean;
  error: UiError | null;
  batchError: UiError | null;
  lastBatch: BatchFinished | null;
  load(): Promise<void>;
  receiveSnapshot(s: QueueSnapshot): void;
  receive(job: Job): void;
  receiveRemoved(id: string): void;
  setPaused(paused: boolean): void;
  receiveBatchFinished(b: BatchFinished): void;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(id: string): Promise<void>;
  retry(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  clearFinished(): Promise<void>;
  move(id: string, delta: number): Promise<void>;
  moveToIndex(id: string, index: number): Promise<void>;
  submitBatch(req: BatchRequest): Promise<number>;
}

export const createQueueSlice: SliceCreator<{ queue: QueueSlice }> = (set, get, { api }) => {
  const fail = (e: unknown) => patch(set, 'queue', { error: toUiError(e) });
  const run = async (f: () => Promise<void>) => {
    try {
      await f();
      patch(set, 'queue', { error: null });
    } catch (e) {
      fail(e);
    }
  };
  const reorder = async (ids: string[]) => {
    // Optimistic: positions follow the new order at once, the snapshot confirms.
    patch(set, 'queue', (q) => {
      const byId = { ...q.byId };
      ids.forEach((id, i) => {
        if (byId[id]) byId[id] = { ...byId[id], position: i };
      });
      return { byId };
    });
    await run(async () => get().queue.receiveSnapshot(await api.invoke('queue.reorder', { ids })));
  };
  return {
    queue: {
      byId: {},
      paused: false,
      loaded: false,
      error: null,
      batchError: null,
      lastBatch: null,
      async load() {
        await run(async () => get().queue.receiveSnapshot(await api.invoke('queue.list')));
      },
      receiveSnapshot(s) {
        const byId: Record<string, Job> = {};
        for (const j of s.jobs) byId[j.id] = j;
        patch(set, 'queue', { byId, paused: s.paused, loaded: true });
      },
      receive(job) {
        patch(set, 'queue', (q) => ({ byId: { ...q.byId, [job.id]: job } }));
      },
      receiveRemoved(id) {
        patch(set, 'queue', (q) => {
          const { [id]: _gone, ...byId } = q.byId;
          return { byId };
        });
        get().preview.forget(id);
      },
      setPaused(paused) {
        patch(set, 'queue', { paused });
      },
      receiveBatchFinished(lastBatch) {
        patch(set, 'queue', { lastBatch });
      },
      async pause() {
        await run(async () => get().queue.receiveSnapshot(await api.invoke('queue.pause')));
      },
      async resume() {
        await run(async () => get().queue.receiveSnapshot(await api.invoke('queue.resume')));
      },
      async cancel(id) {
        await run(async () => get().queue.receive(await api.invoke('queue.cancel', { id })));
      },
      async retry(id) {
        await run(async () => get().queue.receive(await api.invoke('queue.retry', { id })));
      },
      async remove(id) {
        await run(async () => {
          const { removed } = await api.invoke('queue.remove', { id });
          if (removed) get().queue.receiveRemoved(id);
        });
      },
      async clearFinished() {
        await run(async () => get().queue.receiveSnapshot(await api.invoke('queue.clearFinished')));
      },
      async move(id, delta) {
        const ids = queuedIds(Object.values(get().queue.byId));
        const next = moveBy(ids, id, delta);
        if (next !== ids) await reorder(next);
      },
      async moveToIndex(id, index) {
        const ids = queuedIds(Object.values(get().queue.byId));
        const next = moveTo(ids, id, index);
        if (next !== ids) await reorder(next);
      },
      async submitBatch(req) {
        patch(set, 'queue', { batchError: null });
        try {
          const res = await api.invoke('queue.submitBatch', req);
          for (const j of res.jobs) get().queue.receive(j);
          return res.jobs.length;
        } catch (e) {
          patch(set, 'queue', { batchError: toUiError(e) });
          return 0;
        }
      },
    },
  };
};
