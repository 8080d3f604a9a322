import type { AppState } from '../../store/store';

export const selectSettings = (s: AppState) => s.settings.values;
export const selectThemeSetting = (s: AppState) => s.settings.values?.theme ?? 'system';
