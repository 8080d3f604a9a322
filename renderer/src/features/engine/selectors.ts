import type { AppState } from '../../store/store';

export type EngineBadge = 'connecting' | 'reconnecting' | 'offline' | 'starting' | 'alive' | 'restarting' | 'dead';

/**
 * One word for the status bar: the connection first (without it the last engine state is stale),
 * then the engine.
 */
export function selectEngineBadge(s: AppState): EngineBadge {
  if (s.engine.connection === 'closed') return 'offline';
  if (s.engine.connection === 'connecting') return s.engine.status ? 'reconnecting' : 'connecting';
  return s.engine.status?.state ?? 'connecting';
}

export const selectEngineStatus = (s: AppState) => s.engine.status;
export const selectConnection = (s: AppState) => s.engine.connection;
export const selectAppInfo = (s: AppState) => s.engine.app;
