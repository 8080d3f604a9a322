// Every event the app pushes to the UI. The server and the Electron main broadcast all of
// them; a client subscribes with api.on(name, listener), which returns its unsubscribe.
import type {
  AppNotification, BatchFinished, Download, EngineStatus, GalleryItem, Job, JobProgress, LogEntry,
  ModelRecord, WindowPreset,
} from './entities.js';
import type { Settings } from './settings.js';

export interface Events {
  'engine.status': EngineStatus;
  /** A job was created or changed state/position. */
  'job.updated': Job;
  'job.removed': { id: string };
  /** Sampling/decoding progress of the running job, with the live preview clip's URL. */
  'job.progress': JobProgress;
  'queue.state': { paused: boolean };
  'batch.finished': BatchFinished;
  'gallery.added': GalleryItem;
  'gallery.removed': { id: string };
  'models.changed': ModelRecord[];
  'download.progress': Download;
  'attention.presets.changed': WindowPreset[];
  'settings.changed': Settings;
  'log': LogEntry;
  /** A job or a batch finished (the desktop app also shows an OS notification). */
  'notification': AppNotification;
}

export type EventName = keyof Events;

/** Names at run time (for transports that subscribe per name, and for tests). */
export const eventNames = [
  'engine.status', 'job.updated', 'job.removed', 'job.progress', 'queue.state', 'batch.finished',
  'gallery.added', 'gallery.removed', 'models.changed', 'download.progress', 'attention.presets.changed',
  'settings.changed', 'log', 'notification',
] as const satisfies readonly EventName[];
