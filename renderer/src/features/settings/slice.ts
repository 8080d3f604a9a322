// User settings as the app stores them; every update goes through the server's validation and
// the answer (or its error) is what the form shows.
import type { LogEntry } from '../../../../app/contract/entities';
import type { Settings, SettingsPatch } from '../../../../app/contract/settings';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';

export interface SettingsSlice {
  values: Settings | null;
  saving: boolean;
  error: UiError | null;
  /** Last field saved, for a short "saved" confirmation. */
  savedAt: number | null;
  load(): Promise<void>;
  update(change: SettingsPatch): Promise<boolean>;
  /** Pushed by the app when another window or the server changed them. */
  receive(values: Settings): void;
  tailLogs(limit: number): Promise<LogEntry[]>;
}

export const createSettingsSlice: SliceCreator<{ settings: SettingsSlice }> = (set, _get, { api, now }) => ({
  settings: {
    values: null,
    saving: false,
    error: null,
    savedAt: null,
    async load() {
      try {
        patch(set, 'settings', { values: await api.invoke('settings.get'), error: null });
      } catch (e) {
        patch(set, 'settings', { error: toUiError(e) });
      }
    },
    async update(change) {
      patch(set, 'settings', { saving: true, error: null });
      try {
        const values = await api.invoke('settings.update', change);
        patch(set, 'settings', { values, saving: false, savedAt: now() });
        return true;
      } catch (e) {
        patch(set, 'settings', { saving: false, error: toUiError(e) });
        return false;
      }
    },
    receive(values) {
      patch(set, 'settings', { values });
    },
    tailLogs(limit) {
      return api.invoke('logs.tail', { limit });
    },
  },
});
