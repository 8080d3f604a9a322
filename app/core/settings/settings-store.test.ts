import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { defaultSettings } from '../../contract/settings.js';
import { KvStore, migrate } from '../db/database.js';
import { EventBus } from '../event-bus.js';
import { SettingsStore } from './settings-store.js';

function kv() {
  const db = new Database(':memory:');
  migrate(db);
  return new KvStore(db);
}

describe('settings', () => {
  test('defaults, validated updates, persistence and change events', () => {
    const store = kv();
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('settings.changed', (s) => seen.push(s.theme));
    const s = new SettingsStore(store, bus);
    expect(s.get()).toEqual(defaultSettings());
    expect(s.update({ theme: 'dark', preview: { enabled: false, maxSide: 128 } }).theme).toBe('dark');
    expect(() => s.update({ threads: -2 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => s.update({ bogus: 1 } as never)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(seen).toEqual(['dark']);
    const again = new SettingsStore(store);
    expect(again.get()).toMatchObject({ theme: 'dark', preview: { enabled: false, maxSide: 128 } });
  });

  test('a stored object with an invalid field keeps the valid ones', () => {
    const store = kv();
    store.set('settings', { theme: 'dark', threads: 'many', backend: 'cuda' });
    expect(new SettingsStore(store).get()).toMatchObject({ theme: 'dark', threads: 0, backend: 'cuda' });
  });
});
