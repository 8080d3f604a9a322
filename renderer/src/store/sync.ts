// Wiring between the API and the store: event subscriptions, the initial load, and a full reload
// after a reconnect (events sent while disconnected are lost, snapshots are not).
import type { TesseraApi, Unsubscribe } from '../api/client';
import { isFinished } from '../features/queue/order';
import type { AppStore } from './store';

export function bindEvents(api: TesseraApi, store: AppStore): Unsubscribe {
  const s = () => store.getState();
  const offs: Unsubscribe[] = [
    api.on('engine.status', (p) => s().engine.setStatus(p)),
    api.on('job.updated', (job) => {
      const before = s().queue.byId[job.id];
      s().queue.receive(job);
      if (job.state === 'running' && before?.state !== 'running' && !s().preview.followed) s().preview.follow(job.id);
      if (isFinished(job.state) && before && !isFinished(before.state) && job.state === 'failed' && job.error) {
        s().shell.notify({ kind: 'error', title: `Job failed: ${job.label}`, body: `${job.error.code}: ${job.error.message}` });
      }
    }),
    api.on('job.removed', ({ id }) => s().queue.receiveRemoved(id)),
    api.on('job.progress', (p) => s().preview.receive(p)),
    api.on('queue.state', ({ paused }) => s().queue.setPaused(paused)),
    api.on('batch.finished', (b) => s().queue.receiveBatchFinished(b)),
    api.on('gallery.added', (item) => s().gallery.receiveAdded(item)),
    api.on('gallery.removed', ({ id }) => s().gallery.receiveRemoved(id)),
    api.on('models.changed', (list) => s().models.receive(list)),
    api.on('download.progress', (d) => s().models.receiveDownload(d)),
    api.on('attention.presets.changed', (list) => s().attention.receivePresets(list)),
    api.on('settings.changed', (v) => s().settings.receive(v)),
    api.on('notification', (n) => s().shell.receiveNotification(n)),
  ];
  return () => offs.forEach((off) => off());
}

/** Loads everything the surfaces show. Settings first: the active model depends on them. */
export async function loadAll(store: AppStore): Promise<void> {
  const s = store.getState();
  await Promise.all([s.engine.load(), s.settings.load()]);
  await Promise.all([
    s.models.load(),
    s.queue.load(),
    s.gallery.load(),
    s.attention.loadPresets(),
    s.prompt.loadPresets(),
    s.prompt.loadHistory(),
  ]);
  const active = store.getState().models.activeId;
  if (active) await store.getState().prompt.loadDefaults(active);
}
