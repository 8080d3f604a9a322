// Gallery/history: every output with the full settings that made it. "Reuse settings" returns
// the stored params unchanged, so submitting them reproduces the output exactly.
import fs from 'node:fs';
import path from 'node:path';
import type { GalleryItem, GalleryPage, ReusableSettings } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';
import type { Db } from '../db/database.js';

interface Row {
  id: string; job_id: string | null; model_id: string | null; model_name: string; path: string; format: string;
  width: number; height: number; frames: number; fps: number; size_bytes: number; created_at: number;
  params: string; export: string; timings: string; device_bytes_peak: number;
}

export type GalleryRecord = Omit<GalleryItem, 'url'>;

/** Turns a stored path into a URL the UI can load (null when the file is gone). */
export type FileUrlMapper = (absPath: string) => string | null;

export class GalleryStore {
  constructor(private readonly db: Db, private readonly urlOf: FileUrlMapper) {}

  add(r: GalleryRecord): GalleryItem {
    this.db.prepare(`INSERT INTO gallery (id, job_id, model_id, model_name, path, format, width, height, frames, fps,
        size_bytes, created_at, params, export, timings, device_bytes_peak, prompt)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      r.id, r.jobId, r.modelId, r.modelName, r.path, r.format, r.width, r.height, r.frames, r.fps, r.sizeBytes,
      r.createdAt, JSON.stringify(r.params), JSON.stringify(r.export), JSON.stringify(r.timings), r.deviceBytesPeak,
      r.params.prompt);
    return this.get(r.id);
  }

  list(limit = 50, offset = 0, search?: string): GalleryPage {
    const where = search ? `WHERE prompt LIKE ? ESCAPE '\\'` : '';
    const args: unknown[] = search ? [`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`] : [];
    const total = this.db.prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM gallery ${where}`).get(...args)?.n ?? 0;
    const rows = this.db.prepare<unknown[], Row>(
      `SELECT * FROM gallery ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`).all(...args, limit, offset);
    return { items: rows.map((r) => this.item(r)), total };
  }

  get(id: string): GalleryItem {
    const r = this.db.prepare<[string], Row>('SELECT * FROM gallery WHERE id = ?').get(id);
    if (!r) throw new ApiError('NOT_FOUND', `no gallery item ${id}`);
    return this.item(r);
  }

  reuse(id: string): ReusableSettings {
    const it = this.get(id);
    return { modelId: it.modelId, modelName: it.modelName, params: it.params, export: it.export };
  }

  /** Removes the record and, unless keepFile, the file (or PNG folder). */
  delete(id: string, deleteFile: boolean): boolean {
    const it = this.db.prepare<[string], Row>('SELECT * FROM gallery WHERE id = ?').get(id);
    if (!it) return false;
    if (deleteFile) {
      try {
        fs.rmSync(it.path, { recursive: true, force: true });
      } catch (e) {
        throw new ApiError('IO_ERROR', `cannot delete ${it.path}: ${(e as Error).message}`);
      }
    }
    this.db.prepare('DELETE FROM gallery WHERE id = ?').run(id);
    return true;
  }

  /** What the UI loads: the file itself, or the first frame of a PNG frame folder. */
  private urlFor(r: Row): string | null {
    if (!fs.existsSync(r.path)) return null;
    if (r.format === 'png' && fs.statSync(r.path).isDirectory()) {
      const first = fs.readdirSync(r.path).filter((f) => f.endsWith('.png')).sort()[0];
      return first ? this.urlOf(path.join(r.path, first)) : null;
    }
    return this.urlOf(r.path);
  }

  private item(r: Row): GalleryItem {
    return {
      id: r.id, jobId: r.job_id, modelId: r.model_id, modelName: r.model_name, path: r.path,
      url: this.urlFor(r),
      format: r.format as GalleryItem['format'], width: r.width, height: r.height, frames: r.frames, fps: r.fps,
      sizeBytes: r.size_bytes, createdAt: r.created_at, params: JSON.parse(r.params), export: JSON.parse(r.export),
      timings: JSON.parse(r.timings), deviceBytesPeak: r.device_bytes_peak,
    };
  }
}
