/// <reference path="./better-sqlite3.d.ts" />
// Opens the app's SQLite database and brings its schema up to date. The schema version lives
// in its own table; migrations run in one transaction each, so a crash mid-migration leaves
// the previous version intact.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../contract/errors.js';
import { type Migration, migrations as appMigrations } from './migrations.js';

export { migrations } from './migrations.js';

export type Db = Database.Database;

export function schemaVersion(db: Db): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare<[], { version: number }>('SELECT version FROM schema_version').get();
  if (!row) {
    db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
    return 0;
  }
  return row.version;
}

/** Applies the migrations newer than the stored version; returns the versions applied. */
export function migrate(db: Db, migrations: readonly Migration[] = appMigrations): number[] {
  const current = schemaVersion(db);
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  if (current > latest) {
    throw new ApiError('UNSUPPORTED',
      `the database is from a newer Tessera (schema ${current}, this version knows ${latest}); update the app`);
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('UPDATE schema_version SET version = ?').run(m.version);
    })();
    applied.push(m.version);
  }
  return applied;
}

/** Opens (creating if needed) the database file and migrates it. ':memory:' for tests. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file);
  } catch (e) {
    throw new ApiError('IO_ERROR', `cannot open the database ${file}: ${(e as Error).message}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (e) {
    db.close();
    if (e instanceof ApiError) throw e;
    throw new ApiError('CORRUPT_FILE', `the database ${file} is not usable: ${(e as Error).message}`);
  }
  return db;
}

/** Small key-value table for app state (queue paused, settings, picked folders). */
export class KvStore {
  constructor(private readonly db: Db) {}

  get<T>(key: string): T | undefined {
    const row = this.db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?').get(key);
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as T;
    } catch {
      return undefined;
    }
  }

  set(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }
}
