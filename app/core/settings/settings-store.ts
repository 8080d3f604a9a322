// Settings persisted in the kv table, always a complete validated object (defaults fill what
// an older version did not store; a stored value that no longer validates falls back to its
// default instead of blocking the app).
import { SettingsPatchSchema, SettingsSchema, type Settings, type SettingsPatch } from '../../contract/settings.js';
import { ApiError } from '../../contract/errors.js';
import type { EventSink } from '../../contract/api.js';
import type { KvStore } from '../db/database.js';

const KEY = 'settings';

export class SettingsStore {
  private current: Settings;
  private readonly listeners = new Set<(next: Settings, prev: Settings) => void>();

  constructor(private readonly kv: KvStore, private readonly events?: EventSink) {
    this.current = SettingsStore.load(kv.get<Record<string, unknown>>(KEY));
  }

  static load(stored: Record<string, unknown> | undefined): Settings {
    const raw = stored && typeof stored === 'object' ? stored : {};
    const whole = SettingsSchema.safeParse(raw);
    if (whole.success) return whole.data;
    // Keep every field that is still valid on its own.
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (SettingsPatchSchema.safeParse({ [k]: v }).success) kept[k] = v;
    }
    return SettingsSchema.parse(kept);
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  update(patch: SettingsPatch): Settings {
    const checked = SettingsPatchSchema.safeParse(patch);
    if (!checked.success) throw new ApiError('BAD_REQUEST', `invalid settings: ${checked.error.issues[0]?.message ?? ''}`);
    const next = SettingsSchema.parse({ ...this.current, ...checked.data });
    const prev = this.current;
    this.current = next;
    this.kv.set(KEY, next);
    for (const l of [...this.listeners]) l(next, prev);
    this.events?.emit('settings.changed', this.get());
    return this.get();
  }

  onChange(listener: (next: Settings, prev: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}
