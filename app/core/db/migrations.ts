// The database schema as an ordered list of migrations. Never edit a released migration: add
// the next one. schema_version holds the number of migrations applied.
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'jobs, gallery, models, downloads, presets, key-value state',
    sql: `
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        position REAL NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        label TEXT NOT NULL,
        model_id TEXT NOT NULL,
        params TEXT NOT NULL,
        export TEXT NOT NULL,
        request TEXT,
        batch_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        error TEXT,
        output_id TEXT
      );
      CREATE INDEX jobs_state ON jobs(state, priority DESC, position);
      CREATE INDEX jobs_batch ON jobs(batch_id);
      CREATE TABLE gallery (
        id TEXT PRIMARY KEY,
        job_id TEXT,
        model_id TEXT,
        model_name TEXT NOT NULL,
        path TEXT NOT NULL,
        format TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        frames INTEGER NOT NULL,
        fps INTEGER NOT NULL,
        size_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        params TEXT NOT NULL,
        export TEXT NOT NULL,
        timings TEXT NOT NULL,
        device_bytes_peak INTEGER NOT NULL,
        prompt TEXT NOT NULL
      );
      CREATE INDEX gallery_created ON gallery(created_at DESC);
      CREATE TABLE models (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dir TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        info TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        vram_bytes INTEGER NOT NULL,
        added_at INTEGER NOT NULL
      );
      CREATE TABLE downloads (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dir TEXT NOT NULL,
        state TEXT NOT NULL,
        files TEXT NOT NULL,
        error TEXT,
        model_id TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE presets (
        id TEXT PRIMARY KEY,
        family TEXT NOT NULL,
        name TEXT NOT NULL,
        data TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];
