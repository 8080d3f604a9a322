// Model downloads: a list of files, each verified by sha256, fetched one after the other into
// <modelsDir>/<name>/. State survives restarts (a download that was running comes back as
// 'interrupted' and resumes from its .part files); when every file is verified the folder is
// imported like a local one.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EventSink } from '../../contract/api.js';
import type { Download, DownloadFileStatus, DownloadState } from '../../contract/entities.js';
import { ApiError, type ApiErrorShape } from '../../contract/errors.js';
import type { Db } from '../db/database.js';
import type { SourceLogger } from '../logs/logger.js';
import { downloadFile, sha256File } from './http-download.js';
import type { ModelRegistry } from './model-registry.js';

interface Row { id: string; name: string; dir: string; state: string; files: string; error: string | null; model_id: string | null; created_at: number }

export interface DownloadRequest {
  name: string;
  files: Array<{ url: string; path: string; sha256: string; sizeBytes?: number | undefined }>;
}

function slug(s: string): string {
  return s.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'model';
}

export class DownloadManager {
  private readonly active = new Map<string, { ctl: AbortController; rate: { t: number; bytes: number; bps: number } }>();
  private lastEmit = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly registry: ModelRegistry,
    private readonly events: EventSink,
    private readonly modelsDir: () => string,
    private readonly log: SourceLogger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** After a restart: downloads that were running are 'interrupted' (resume continues them). */
  recover(): void {
    this.db.prepare(`UPDATE downloads SET state = 'interrupted' WHERE state IN ('queued', 'downloading', 'verifying')`).run();
  }

  /** Shutdown: aborts running downloads, leaving them 'downloading' so the next start marks
   *  them interrupted; their .part files stay for the resume. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.active.values()) a.ctl.abort();
    const deadline = Date.now() + 5000;
    while (this.active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  list(): Download[] {
    return this.db.prepare<[], Row>('SELECT * FROM downloads ORDER BY created_at DESC').all().map((r) => this.view(r));
  }

  get(id: string): Download {
    return this.view(this.row(id));
  }

  start(req: DownloadRequest): Download {
    const root = this.modelsDir();
    let dir = path.join(root, slug(req.name));
    for (let i = 2; fs.existsSync(dir) && this.db.prepare('SELECT 1 FROM downloads WHERE dir = ?').get(dir) === undefined; i++) {
      dir = path.join(root, `${slug(req.name)}-${i}`);
    }
    const files: DownloadFileStatus[] = req.files.map((f) => ({
      url: f.url, path: f.path, sha256: f.sha256.toLowerCase(), totalBytes: f.sizeBytes ?? null, receivedBytes: 0, verified: false,
    }));
    const id = randomUUID();
    this.db.prepare(`INSERT INTO downloads (id, name, dir, state, files, error, model_id, created_at)
      VALUES (?, ?, ?, 'queued', ?, NULL, NULL, ?)`).run(id, req.name, dir, JSON.stringify(files), Date.now());
    this.log.info(`download ${req.name} (${files.length} files) into ${dir}`);
    void this.run(id);
    return this.get(id);
  }

  cancel(id: string): Download {
    const r = this.row(id);
    const a = this.active.get(id);
    if (a) a.ctl.abort();
    else if (r.state === 'queued' || r.state === 'interrupted' || r.state === 'failed') this.setState(id, 'cancelled', null);
    return this.get(id);
  }

  resume(id: string): Download {
    const r = this.row(id);
    if (this.active.has(id)) return this.get(id);
    if (r.state === 'done') throw new ApiError('CONFLICT', 'the download is already complete');
    this.setState(id, 'queued', null);
    void this.run(id);
    return this.get(id);
  }

  /** Resolves when the download stops (done, failed or cancelled). */
  async settled(id: string): Promise<Download> {
    while (this.active.has(id)) await new Promise((r) => setTimeout(r, 20));
    return this.get(id);
  }

  private async run(id: string): Promise<void> {
    if (this.active.has(id) || this.stopped) return;
    const ctl = new AbortController();
    const entry = { ctl, rate: { t: Date.now(), bytes: 0, bps: 0 } };
    this.active.set(id, entry);
    let files: DownloadFileStatus[] = [];
    try {
      const r = this.row(id);
      fs.mkdirSync(r.dir, { recursive: true });
      this.setState(id, 'downloading', null);
      files = JSON.parse(r.files) as DownloadFileStatus[];
      for (const f of files) {
        if (f.verified) continue;
        const target = path.join(r.dir, ...f.path.split('/'));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // A target left by an earlier run counts only if its hash still matches.
        if (fs.existsSync(target) && (await sha256File(target)) === f.sha256) {
          f.verified = true;
          f.receivedBytes = fs.statSync(target).size;
          f.totalBytes = f.receivedBytes;
          this.saveFiles(id, files);
          continue;
        }
        await downloadFile({ url: f.url, target, sha256: f.sha256, sizeBytes: f.totalBytes ?? undefined }, ctl.signal, (p) => {
          f.receivedBytes = p.receivedBytes;
          if (p.totalBytes !== null) f.totalBytes = p.totalBytes;
          this.progress(id, files, entry.rate);
        }, this.fetchImpl);
        f.verified = true;
        this.saveFiles(id, files);
      }
      this.setState(id, 'verifying', null);
      const model = await this.registry.import(r.dir, r.name, 'downloaded');
      this.db.prepare('UPDATE downloads SET model_id = ? WHERE id = ?').run(model.id, id);
      this.setState(id, 'done', null);
      this.log.info(`download ${r.name} finished; model ${model.id} registered`);
    } catch (e) {
      if (files.length) this.saveFiles(id, files);
      if (this.stopped) return;
      const err: ApiErrorShape = {
        code: (e as ApiError).code ?? 'DOWNLOAD_FAILED',
        message: (e as Error).message ?? String(e),
      };
      const cancelled = ctl.signal.aborted || err.code === 'CANCELLED';
      this.setState(id, cancelled ? 'cancelled' : 'failed', cancelled ? null : err);
      if (!cancelled) this.log.warn(`download ${id} failed: ${err.code} ${err.message}`);
    } finally {
      this.active.delete(id);
      if (!this.stopped) this.events.emit('download.progress', this.get(id));
    }
  }

  private progress(id: string, files: DownloadFileStatus[], rate: { t: number; bytes: number; bps: number }): void {
    const now = Date.now();
    const bytes = files.reduce((s, f) => s + f.receivedBytes, 0);
    if (now - rate.t >= 500) {
      rate.bps = ((bytes - rate.bytes) * 1000) / (now - rate.t);
      rate.t = now;
      rate.bytes = bytes;
    }
    if (now - (this.lastEmit.get(id) ?? 0) < 250) return;
    this.lastEmit.set(id, now);
    this.saveFiles(id, files);
    this.events.emit('download.progress', this.get(id));
  }

  private saveFiles(id: string, files: DownloadFileStatus[]): void {
    this.db.prepare('UPDATE downloads SET files = ? WHERE id = ?').run(JSON.stringify(files), id);
  }

  private setState(id: string, state: DownloadState, error: ApiErrorShape | null): void {
    this.db.prepare('UPDATE downloads SET state = ?, error = ? WHERE id = ?').run(state, error ? JSON.stringify(error) : null, id);
    this.events.emit('download.progress', this.get(id));
  }

  private row(id: string): Row {
    const r = this.db.prepare<[string], Row>('SELECT * FROM downloads WHERE id = ?').get(id);
    if (!r) throw new ApiError('NOT_FOUND', `no download ${id}`);
    return r;
  }

  private view(r: Row): Download {
    const files = JSON.parse(r.files) as DownloadFileStatus[];
    const known = files.every((f) => f.totalBytes !== null);
    return {
      id: r.id, name: r.name, state: r.state as DownloadState, files,
      receivedBytes: files.reduce((s, f) => s + f.receivedBytes, 0),
      totalBytes: known ? files.reduce((s, f) => s + (f.totalBytes ?? 0), 0) : null,
      bytesPerSecond: this.active.get(r.id)?.rate.bps ?? 0,
      error: r.error ? (JSON.parse(r.error) as ApiErrorShape) : null,
      modelId: r.model_id, createdAt: r.created_at,
    };
  }
}
