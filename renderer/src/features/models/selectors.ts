import type { AppState } from '../../store/store';

export const selectModels = (s: AppState) => s.models.list;
export const selectActiveModelId = (s: AppState) => s.models.activeId;
export const selectActiveModel = (s: AppState) => s.models.list.find((m) => m.id === s.models.activeId) ?? null;
export const selectDownloads = (s: AppState) => s.models.downloads;
