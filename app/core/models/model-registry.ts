// Known models: the built-in demo model, imported folders, finished downloads. Importing
// validates the folder (layout check here, then the engine loads it and reports its info).
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { EventSink } from '../../contract/api.js';
import type { ModelRecord, ModelSource } from '../../contract/entities.js';
import { ApiError } from '../../contract/errors.js';
import type { ModelInfo } from '../../engine/types.js';
import type { EngineClient } from '../../host/engine-host.js';
import type { Db } from '../db/database.js';
import type { SourceLogger } from '../logs/logger.js';
import { defaultParams, detectLayout, folderSize } from './model-folder.js';

interface Row { id: string; name: string; dir: string; source: string; info: string; size_bytes: number; vram_bytes: number; added_at: number }

export const BUILTIN_MODEL_ID = 'demo';

function toRecord(r: Row): ModelRecord {
  return {
    id: r.id, name: r.name, dir: r.dir, source: r.source as ModelSource, info: JSON.parse(r.info) as ModelInfo,
    sizeBytes: r.size_bytes, vramBytes: r.vram_bytes, addedAt: r.added_at,
    // Every Wan2.1 model runs every sampler and attention pattern in this engine.
    supports: { samplers: ['unipc', 'euler', 'fewstep'], attention: ['dense', 'sta', 'tile'] },
  };
}

export class ModelRegistry {
  constructor(
    private readonly db: Db,
    private readonly engine: EngineClient,
    private readonly events: EventSink,
    private readonly log: SourceLogger,
  ) {}

  list(): ModelRecord[] {
    return this.db.prepare<[], Row>(`SELECT * FROM models ORDER BY source = 'builtin' DESC, added_at`).all().map(toRecord);
  }

  get(id: string): ModelRecord {
    const r = this.db.prepare<[string], Row>('SELECT * FROM models WHERE id = ?').get(id);
    if (!r) throw new ApiError('NOT_FOUND', `no model ${id} (it may have been removed)`);
    return toRecord(r);
  }

  find(id: string): ModelRecord | null {
    const r = this.db.prepare<[string], Row>('SELECT * FROM models WHERE id = ?').get(id);
    return r ? toRecord(r) : null;
  }

  /** Registers the built-in demo model (once; refreshed when its folder moved, e.g. after an update). */
  async ensureBuiltin(dir: string): Promise<ModelRecord | null> {
    const existing = this.find(BUILTIN_MODEL_ID);
    if (existing && existing.dir === path.resolve(dir)) return existing;
    try {
      return await this.register(dir, 'Tessera demo (built-in)', 'builtin', BUILTIN_MODEL_ID);
    } catch (e) {
      this.log.error(`the built-in model in ${dir} cannot be loaded: ${(e as Error).message}`);
      return null;
    }
  }

  /** Validates and registers a local folder. */
  async import(dir: string, name: string | undefined, source: ModelSource = 'imported'): Promise<ModelRecord> {
    const abs = path.resolve(dir);
    const dup = this.db.prepare<[string], Row>('SELECT * FROM models WHERE dir = ?').get(abs);
    if (dup) return toRecord(dup);
    return this.register(abs, name ?? path.basename(abs), source, randomUUID());
  }

  remove(id: string): ModelRecord | null {
    const m = this.find(id);
    if (!m) return null;
    if (m.source === 'builtin') throw new ApiError('CONFLICT', 'the built-in model cannot be removed');
    this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
    this.changed();
    return m;
  }

  private async register(dir: string, name: string, source: ModelSource, id: string): Promise<ModelRecord> {
    const abs = path.resolve(dir);
    detectLayout(abs);
    let info: ModelInfo;
    try {
      info = await this.engine.modelInfo(abs);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const msg = (e as Error).message;
      throw new ApiError(code === 'ENGINE_CRASHED' ? 'ENGINE_CRASHED' : 'INVALID_MODEL',
        `cannot load the model in ${abs}: ${code ? `${code}: ` : ''}${msg}`);
    }
    let vram = 0;
    try {
      vram = (await this.engine.estimateMemory(abs, defaultParams(info))).peakBytes;
    } catch (e) {
      this.log.warn(`no memory estimate for ${abs}: ${(e as Error).message}`);
    }
    const size = folderSize(abs);
    this.db.prepare(`INSERT INTO models (id, name, dir, source, info, size_bytes, vram_bytes, added_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, dir = excluded.dir, info = excluded.info,
        size_bytes = excluded.size_bytes, vram_bytes = excluded.vram_bytes`)
      .run(id, name, abs, source, JSON.stringify(info), size, vram, Date.now());
    this.log.info(`model ${name} (${info.layout}, ${(size / 1e9).toFixed(2)} GB) registered from ${abs}`);
    this.changed();
    return this.get(id);
  }

  private changed(): void {
    this.events.emit('models.changed', this.list());
  }
}
