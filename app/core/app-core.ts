// The app's core services wired together: database, settings, logs, queue, runner, gallery,
// models, downloads, presets, path confinement. Shared by the Electron main process and the
// headless server; each passes what differs (engine launcher, file URLs, dialogs, notifier).
import fs from 'node:fs';
import path from 'node:path';
import type { AppNotification } from '../contract/entities.js';
import type { EngineClient } from '../host/engine-host.js';
import { KvStore, openDatabase, type Db } from './db/database.js';
import { EventBus } from './event-bus.js';
import { Exporter } from './export/exporter.js';
import type { MediaPort } from './export/media-port.js';
import { PreviewClips } from './export/preview-clips.js';
import { PathGuard } from './files/path-guard.js';
import { GalleryStore } from './gallery/gallery-store.js';
import { createJobRunner } from './generation/job-runner.js';
import { Logger } from './logs/logger.js';
import { DownloadManager } from './models/download-manager.js';
import { ModelRegistry } from './models/model-registry.js';
import type { Notifier } from './notifier.js';
import { PresetsStore } from './presets/presets-store.js';
import { JobQueue } from './queue/job-queue.js';
import { JobStore } from './queue/job-store.js';
import { SettingsStore } from './settings/settings-store.js';

export interface CoreOptions {
  dataDir: string;
  mode: 'electron' | 'headless';
  version: string;
  engine: EngineClient;
  media: MediaPort;
  /** URL the UI can load for a file under the data/output folders (null if not servable). */
  fileUrl: (absPath: string) => string | null;
  notifier?: Notifier;
  /** Native folder dialog (Electron). */
  pickFolder?: (title?: string) => Promise<string | null>;
  /** Opens a file in the OS (Electron). */
  openPath?: (file: string, reveal: boolean) => Promise<boolean>;
  builtinModelDir?: string | null;
  /** Extra folders the user allowed (server --root). */
  extraRoots?: string[];
  logEcho?: boolean;
  fetchImpl?: typeof fetch;
}

export class AppCore {
  readonly events = new EventBus();
  readonly log: Logger;
  readonly db: Db;
  readonly kv: KvStore;
  readonly settings: SettingsStore;
  readonly guard: PathGuard;
  readonly jobs: JobStore;
  readonly queue: JobQueue;
  readonly gallery: GalleryStore;
  readonly models: ModelRegistry;
  readonly downloads: DownloadManager;
  readonly presets: PresetsStore;
  readonly exporter: Exporter;
  readonly previews: PreviewClips;
  readonly dataDir: string;
  private readonly offs: Array<() => void> = [];

  constructor(readonly opts: CoreOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.log = new Logger({ dir: path.join(this.dataDir, 'logs'), events: this.events, echo: opts.logEcho ?? false });
    const log = this.log.child('core');
    this.db = openDatabase(path.join(this.dataDir, 'tessera.db'));
    this.kv = new KvStore(this.db);
    this.settings = new SettingsStore(this.kv, this.events);
    this.log.level = this.settings.get().logLevel;

    this.guard = new PathGuard([{ path: this.dataDir, label: 'Tessera data' }]);
    this.guard.addRoot(this.outputDir(), 'Outputs');
    this.guard.addRoot(this.modelsDir(), 'Models');
    if (opts.builtinModelDir) this.guard.addRoot(opts.builtinModelDir, 'Built-in model');
    for (const r of opts.extraRoots ?? []) this.guard.addRoot(r, path.basename(r) || r);
    for (const r of this.kv.get<string[]>('pickedRoots') ?? []) {
      if (fs.existsSync(r)) this.guard.addRoot(r, path.basename(r) || r);
    }

    this.exporter = new Exporter(opts.media, () => this.outputDir());
    this.previews = new PreviewClips(opts.media, path.join(this.dataDir, 'previews'), (m) => log.warn(m));
    this.gallery = new GalleryStore(this.db, opts.fileUrl);
    this.presets = new PresetsStore(this.db);
    this.models = new ModelRegistry(this.db, opts.engine, this.events, this.log.child('models'));
    this.downloads = new DownloadManager(this.db, this.models, this.events, () => this.modelsDir(),
      this.log.child('downloads'), opts.fetchImpl);
    this.jobs = new JobStore(this.db);
    const runner = createJobRunner({
      engine: opts.engine, models: this.models, settings: this.settings, exporter: this.exporter,
      gallery: this.gallery, previews: this.previews, events: this.events, fileUrl: opts.fileUrl,
    });
    this.queue = new JobQueue(this.jobs, this.kv, this.events, runner, this.log.child('queue'));
    this.queue.onFinished = (job) => this.notify({
      title: job.state === 'done' ? 'Video ready' : `Job ${job.state}`,
      body: job.state === 'done' ? job.label : `${job.label}: ${job.error?.message ?? ''}`,
      jobId: job.id, batchId: null,
    });
    this.queue.onBatchFinished = (b) => this.notify({
      title: 'Batch finished',
      body: `${b.done} done, ${b.failed} failed, ${b.cancelled} cancelled${b.interrupted ? `, ${b.interrupted} interrupted` : ''}`,
      jobId: null, batchId: b.batchId,
    });

    this.queue.canRun = () => opts.engine.status.state !== 'dead';
    this.offs.push(opts.engine.onStatus((s) => {
      this.events.emit('engine.status', s);
      if (s.state !== 'dead') this.queue.poke();
    }));
    this.offs.push(this.settings.onChange((next, prev) => {
      this.log.level = next.logLevel;
      if (next.outputDir !== prev.outputDir) this.guard.addRoot(this.outputDir(), 'Outputs');
      if (next.modelsDir !== prev.modelsDir) this.guard.addRoot(this.modelsDir(), 'Models');
      opts.engine.setOptions(this.engineOptions());
    }));
  }

  /** Engine options from the settings (the host restarts the engine when they change). */
  engineOptions() {
    const s = this.settings.get();
    return { backend: s.backend, deviceIndex: s.deviceIndex, threads: s.threads, cudaPath: s.cudaPath, keepTextEncoder: s.keepTextEncoder };
  }

  outputDir(): string {
    return this.settings.get().outputDir ?? path.join(this.dataDir, 'outputs');
  }

  modelsDir(): string {
    return this.settings.get().modelsDir ?? path.join(this.dataDir, 'models');
  }

  /** Recovers state from the last run and starts the queue. */
  async start(): Promise<void> {
    this.previews.clean();
    this.downloads.recover();
    this.log.child('core').info(`Tessera ${this.opts.version} (${this.opts.mode}) data in ${this.dataDir}`);
    if (this.opts.builtinModelDir && fs.existsSync(this.opts.builtinModelDir)) {
      await this.models.ensureBuiltin(this.opts.builtinModelDir);
    }
    this.queue.start();
  }

  /** A folder the user chose in a dialog becomes an allowed root (remembered). */
  allowFolder(dir: string): void {
    const root = this.guard.addRoot(dir, path.basename(dir) || dir);
    const picked = new Set(this.kv.get<string[]>('pickedRoots') ?? []);
    picked.add(root.path);
    this.kv.set('pickedRoots', [...picked]);
  }

  notify(n: AppNotification): void {
    this.log.child('notify').info(`${n.title}: ${n.body}`);
    this.events.emit('notification', n);
    if (this.settings.get().notifications) {
      try { this.opts.notifier?.notify(n); } catch (e) {
        this.log.child('notify').warn(`notification failed: ${(e as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.queue.stop();
    await this.downloads.stop();
    this.db.close();
  }
}
