// Jobs in SQLite. Rows hold params/export/request as JSON exactly as submitted, so a job (and
// "retry") runs with the same settings after any number of restarts.
import type { Job, JobKind, JobState } from '../../contract/entities.js';
import type { Db } from '../db/database.js';

interface Row {
  id: string; kind: string; state: string; position: number; priority: number; label: string; model_id: string;
  params: string; export: string; request: string | null; batch_id: string | null; attempts: number;
  created_at: number; started_at: number | null; finished_at: number | null; error: string | null; output_id: string | null;
}

export interface StoredJob extends Job {
  priority: number;
}

function fromRow(r: Row): StoredJob {
  return {
    id: r.id, kind: r.kind as JobKind, state: r.state as JobState, position: r.position, priority: r.priority,
    label: r.label, modelId: r.model_id, params: JSON.parse(r.params), export: JSON.parse(r.export),
    request: r.request ? JSON.parse(r.request) : null, batchId: r.batch_id, attempts: r.attempts,
    createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
    error: r.error ? JSON.parse(r.error) : null, progress: null, outputId: r.output_id,
  };
}

export const FINISHED_STATES: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled', 'interrupted']);

/** How many finished jobs queue.list returns (the gallery keeps outputs forever). */
const HISTORY_LIMIT = 500;

export class JobStore {
  constructor(private readonly db: Db) {}

  insert(j: StoredJob): void {
    this.db.prepare(`INSERT INTO jobs (id, kind, state, position, priority, label, model_id, params, export, request,
        batch_id, attempts, created_at, started_at, finished_at, error, output_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      j.id, j.kind, j.state, j.position, j.priority, j.label, j.modelId, JSON.stringify(j.params), JSON.stringify(j.export),
      j.request ? JSON.stringify(j.request) : null, j.batchId, j.attempts, j.createdAt, j.startedAt, j.finishedAt,
      j.error ? JSON.stringify(j.error) : null, j.outputId);
  }

  insertMany(jobs: StoredJob[]): void {
    this.db.transaction(() => { for (const j of jobs) this.insert(j); })();
  }

  get(id: string): StoredJob | null {
    const r = this.db.prepare<[string], Row>('SELECT * FROM jobs WHERE id = ?').get(id);
    return r ? fromRow(r) : null;
  }

  /** Running, then queued in run order, then the most recent finished ones. */
  list(): StoredJob[] {
    const active = this.db.prepare<[], Row>(
      `SELECT * FROM jobs WHERE state IN ('running', 'queued')
       ORDER BY state = 'running' DESC, priority DESC, position ASC`).all();
    const done = this.db.prepare<[number], Row>(
      `SELECT * FROM jobs WHERE state NOT IN ('running', 'queued') ORDER BY finished_at DESC, created_at DESC LIMIT ?`)
      .all(HISTORY_LIMIT);
    return [...active, ...done].map(fromRow);
  }

  nextQueued(onlyPriority: boolean): StoredJob | null {
    const r = this.db.prepare<[number], Row>(
      `SELECT * FROM jobs WHERE state = 'queued' AND priority >= ? ORDER BY priority DESC, position ASC LIMIT 1`)
      .get(onlyPriority ? 1 : -1_000_000);
    return r ? fromRow(r) : null;
  }

  queuedIds(): string[] {
    return this.db.prepare<[], { id: string }>(
      `SELECT id FROM jobs WHERE state = 'queued' ORDER BY priority DESC, position ASC`).all().map((r) => r.id);
  }

  maxPosition(): number {
    const r = this.db.prepare<[], { m: number | null }>('SELECT MAX(position) AS m FROM jobs').get();
    return r?.m ?? 0;
  }

  update(id: string, patch: Partial<Pick<StoredJob,
    'state' | 'position' | 'attempts' | 'startedAt' | 'finishedAt' | 'error' | 'outputId'>>): void {
    const cols: string[] = [];
    const vals: unknown[] = [];
    const map: Record<string, string> = {
      state: 'state', position: 'position', attempts: 'attempts', startedAt: 'started_at', finishedAt: 'finished_at',
      error: 'error', outputId: 'output_id',
    };
    for (const [k, v] of Object.entries(patch)) {
      cols.push(`${map[k]} = ?`);
      vals.push(k === 'error' ? (v ? JSON.stringify(v) : null) : v);
    }
    if (cols.length === 0) return;
    this.db.prepare(`UPDATE jobs SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
  }

  setPositions(ids: string[]): void {
    const st = this.db.prepare('UPDATE jobs SET position = ? WHERE id = ?');
    this.db.transaction(() => { ids.forEach((id, i) => st.run(i + 1, id)); })();
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id).changes > 0;
  }

  removeFinished(): string[] {
    const ids = this.db.prepare<[], { id: string }>(
      `SELECT id FROM jobs WHERE state IN ('done', 'failed', 'cancelled', 'interrupted')`).all().map((r) => r.id);
    this.db.prepare(`DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled', 'interrupted')`).run();
    return ids;
  }

  /** After a restart: jobs that were running are 'interrupted' (never re-run automatically). */
  markInterrupted(now: number): string[] {
    const ids = this.db.prepare<[], { id: string }>(`SELECT id FROM jobs WHERE state = 'running'`).all().map((r) => r.id);
    this.db.prepare(`UPDATE jobs SET state = 'interrupted', finished_at = ?, error = ? WHERE state = 'running'`)
      .run(now, JSON.stringify({ code: 'INTERRUPTED', message: 'Tessera stopped while this job was running' }));
    return ids;
  }

  batchCounts(batchId: string): Record<JobState, number> {
    const rows = this.db.prepare<[string], { state: JobState; n: number }>(
      'SELECT state, COUNT(*) AS n FROM jobs WHERE batch_id = ? GROUP BY state').all(batchId);
    const out: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, interrupted: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  recentPrompts(limit: number): Array<{ prompt: string; negativePrompt: string; lastUsed: number }> {
    const rows = this.db.prepare<[number], { prompt: string; neg: string | null; t: number }>(
      `SELECT json_extract(params, '$.prompt') AS prompt, json_extract(params, '$.negativePrompt') AS neg,
              MAX(created_at) AS t
       FROM jobs WHERE kind = 'generate' GROUP BY prompt, neg ORDER BY t DESC LIMIT ?`).all(limit);
    return rows.map((r) => ({ prompt: r.prompt, negativePrompt: r.neg ?? '', lastUsed: r.t }));
  }
}
