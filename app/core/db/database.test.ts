import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { migrate, migrations, openDatabase, schemaVersion } from './database.js';

const latest = migrations[migrations.length - 1]!.version;

describe('database migrations', () => {
  test('a fresh database gets every migration and the version table', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toEqual(migrations.map((m) => m.version));
    expect(schemaVersion(db)).toBe(latest);
    const tables = db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`).all().map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['schema_version', 'jobs', 'gallery', 'models', 'downloads', 'presets', 'kv']));
    expect(migrate(db)).toEqual([]);
  });

  test('only newer migrations run, in order, each in a transaction', () => {
    const db = new Database(':memory:');
    const steps = [
      { version: 1, description: 'a', sql: 'CREATE TABLE t (x INTEGER)' },
      { version: 2, description: 'b', sql: 'ALTER TABLE t ADD COLUMN y TEXT' },
    ];
    expect(migrate(db, steps.slice(0, 1))).toEqual([1]);
    db.prepare('INSERT INTO t (x) VALUES (1)').run();
    expect(migrate(db, steps)).toEqual([2]);
    expect(db.prepare('SELECT x, y FROM t').get()).toEqual({ x: 1, y: null });
    // A broken migration leaves the previous version and schema intact.
    const broken = [...steps, { version: 3, description: 'c', sql: 'CREATE TABLE u (a INT); SELECT * FROM nope' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'u'`).get()).toBeUndefined();
  });

  test('a database from a newer version is refused with a clear error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsr-db-'));
    const file = path.join(dir, 'x.db');
    openDatabase(file).prepare('UPDATE schema_version SET version = 999').run();
    expect(() => openDatabase(file)).toThrow(/newer Tessera/);
  });

  test('a corrupt database file is reported, not a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsr-db-'));
    const file = path.join(dir, 'bad.db');
    fs.writeFileSync(file, 'this is not sqlite '.repeat(100));
    expect(() => openDatabase(file)).toThrow(expect.objectContaining({ code: 'CORRUPT_FILE' }));
  });

  test('data survives reopening', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsr-db-'));
    const file = path.join(dir, 'x.db');
    const a = openDatabase(file);
    a.prepare(`INSERT INTO kv (key, value) VALUES ('k', '"v"')`).run();
    a.close();
    const b = openDatabase(file);
    expect(b.prepare('SELECT value FROM kv').get()).toEqual({ value: '"v"' });
    expect(schemaVersion(b)).toBe(latest);
  });
});
