// Picks the transport: window.tessera when the Electron preload provides it, otherwise the
// WebSocket of the headless server that served this page, authenticated with the token from
// the URL fragment (#token=...), the query (?token=...) or the one the user typed earlier.
import { createWsClient, type ConnectionState, type WsClient } from '../../../app/contract/ws-client';
import type { TesseraApi, Unsubscribe } from './client';

export interface Connection {
  api: TesseraApi;
  transport: 'electron' | 'websocket';
  state(): ConnectionState;
  onState(listener: (s: ConnectionState) => void): Unsubscribe;
  ready(): Promise<void>;
  close(): void;
}

const TOKEN_KEY = 'tessera.token';

declare global {
  interface Window {
    tessera?: TesseraApi;
  }
}

/** Token from #token=, ?token= or session storage; a token in the URL is moved out of it. */
export function findToken(loc: Pick<Location, 'hash' | 'search'>, storage: Pick<Storage, 'getItem'> | null): string | null {
  const fromHash = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  const fromQuery = new URLSearchParams(loc.search).get('token');
  return fromHash || fromQuery || storage?.getItem(TOKEN_KEY) || null;
}

export function rememberToken(token: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* storage disabled: the token lives only in this page */
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* nothing stored */
  }
}

/** Hides the token from the address bar (and from screenshots and history). */
export function scrubTokenFromUrl(): void {
  const url = new URL(window.location.href);
  const hash = new URLSearchParams(url.hash.replace(/^#/, ''));
  if (!hash.has('token') && !url.searchParams.has('token')) return;
  hash.delete('token');
  url.searchParams.delete('token');
  url.hash = hash.toString();
  window.history.replaceState(null, '', url.toString());
}

export function electronConnection(api: TesseraApi): Connection {
  return {
    api,
    transport: 'electron',
    state: () => 'open',
    onState: () => () => {},
    ready: () => Promise.resolve(),
    close: () => {},
  };
}

export function websocketConnection(baseUrl: string, token: string): Connection {
  const client: WsClient = createWsClient({ baseUrl, token });
  return {
    api: client,
    transport: 'websocket',
    state: () => client.state,
    onState: (l) => client.onConnection(l),
    ready: () => client.ready(),
    close: () => client.close(),
  };
}
