// Start-up without React: pick the transport, build the store, wire events, load, and reload
// everything after a reconnect (events sent while disconnected are lost; snapshots are not).
import { electronConnection, findToken, rememberToken, scrubTokenFromUrl, websocketConnection, type Connection } from './api/connect';
import { createAppStore, type AppStore } from './store/store';
import { bindEvents, loadAll } from './store/sync';
import { persistDraft } from './store/persist';

export interface Booted {
  store: AppStore;
  connection: Connection;
  dispose(): void;
}

export function connectFromPage(tokenOverride?: string): Connection | null {
  if (window.tessera) return electronConnection(window.tessera);
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  const token = tokenOverride ?? findToken(window.location, storage);
  if (!token) return null;
  rememberToken(token);
  scrubTokenFromUrl();
  return websocketConnection(window.location.origin, token);
}

export function boot(connection: Connection): Booted {
  const store = createAppStore(connection.api);
  let storage: Storage | null = null;
  try {
    storage = window.localStorage;
  } catch {
    storage = null;
  }
  const offPersist = persistDraft(store, storage);
  const offEvents = bindEvents(connection.api, store);
  let wasOpen = false;
  const onState = (state: ReturnType<Connection['state']>) => {
    store.getState().engine.setConnection(state);
    if (state === 'open') {
      void loadAll(store);
      wasOpen = true;
    } else if (wasOpen && state === 'closed') {
      store.getState().shell.notify({ kind: 'error', title: 'Disconnected', body: 'The connection to Tessera closed. Reload the page to reconnect.' });
    }
  };
  const offState = connection.onState(onState);
  onState(connection.state());
  return {
    store,
    connection,
    dispose() {
      offState();
      offEvents();
      offPersist();
      connection.close();
    },
  };
}
