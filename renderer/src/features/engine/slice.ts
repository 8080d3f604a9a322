// Engine and connection status: always visible in the status bar (alive / restarting / dead).
import type { AppInfo, EngineStatus } from '../../../../app/contract/entities';
import type { ConnectionState } from '../../../../app/contract/ws-client';
import { toUiError, type UiError } from '../../api/client';
import { patch, type SliceCreator } from '../../store/types';

export interface EngineSlice {
  status: EngineStatus | null;
  app: AppInfo | null;
  connection: ConnectionState;
  restarting: boolean;
  error: UiError | null;
  load(): Promise<void>;
  setStatus(status: EngineStatus): void;
  setConnection(state: ConnectionState): void;
  restart(): Promise<void>;
}

export const createEngineSlice: SliceCreator<{ engine: EngineSlice }> = (set, _get, { api }) => ({
  engine: {
    status: null,
    app: null,
    connection: 'connecting',
    restarting: false,
    error: null,
    async load() {
      try {
        const [app, status] = await Promise.all([api.invoke('app.info'), api.invoke('engine.status')]);
        patch(set, 'engine', { app, status, error: null });
      } catch (e) {
        patch(set, 'engine', { error: toUiError(e) });
      }
    },
    setStatus(status) {
      patch(set, 'engine', { status });
    },
    setConnection(connection) {
      patch(set, 'engine', { connection });
    },
    async restart() {
      patch(set, 'engine', { restarting: true, error: null });
      try {
        const status = await api.invoke('engine.restart');
        patch(set, 'engine', { status, restarting: false });
      } catch (e) {
        patch(set, 'engine', { restarting: false, error: toUiError(e) });
      }
    },
  },
});
