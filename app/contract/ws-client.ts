// The WebSocket transport of TesseraApi, for the renderer in a browser (and for scripts/tests
// in Node with the `ws` package). No Node or DOM imports: it runs in both.
import type { Listener, MethodName, MethodParams, MethodResult, ParamsArg, TesseraApi, Unsubscribe } from './api.js';
import { ApiError, isApiErrorShape } from './errors.js';
import { methods } from './methods.js';
import type { EventName, Events } from './events.js';
import { type ClientMessage, type ServerMessage, WS_PATH } from './wire.js';

/** The part of the WebSocket API we use (browser WebSocket and `ws` both have it). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type SocketFactory = new (url: string) => SocketLike;

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WsClientOptions {
  /** Server origin, e.g. http://127.0.0.1:7860 (ws:// is derived). */
  baseUrl: string;
  token: string;
  /** Defaults to globalThis.WebSocket. */
  WebSocket?: SocketFactory;
  /** Reconnect after a drop (default true). Calls in flight fail with DISCONNECTED. */
  reconnect?: boolean;
  /** Timeout of short calls; long ones (engine work) never time out. Default 30 s. */
  callTimeoutMs?: number;
}

export interface WsClient extends TesseraApi {
  readonly state: ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): Unsubscribe;
  /** Resolves once connected (rejects if closed for good first). */
  ready(): Promise<void>;
  close(): void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

const OPEN = 1;

export function wsUrl(baseUrl: string, token: string): string {
  const u = new URL(WS_PATH, baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('token', token);
  return u.toString();
}

export function createWsClient(opts: WsClientOptions): WsClient {
  const Socket = opts.WebSocket ?? (globalThis as { WebSocket?: SocketFactory }).WebSocket;
  if (!Socket) throw new ApiError('DISCONNECTED', 'no WebSocket implementation available');
  const url = wsUrl(opts.baseUrl, opts.token);
  const timeoutMs = opts.callTimeoutMs ?? 30_000;
  const reconnect = opts.reconnect ?? true;

  let socket: SocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let closedByUser = false;
  let nextId = 1;
  let backoffMs = 250;
  const pending = new Map<number, Pending>();
  const outbox: string[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: ConnectionState) => void>();

  const setState = (s: ConnectionState) => {
    if (s === state) return;
    state = s;
    for (const l of [...stateListeners]) l(s);
  };

  const failPending = (why: string) => {
    for (const [id, p] of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new ApiError('DISCONNECTED', why));
      pending.delete(id);
    }
    outbox.length = 0;
  };

  const onMessage = (raw: unknown) => {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(typeof raw === 'string' ? raw : String(raw)) as ServerMessage;
    } catch {
      return;
    }
    if (msg.type === 'result') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(isApiErrorShape(msg.error) ? ApiError.from(msg.error) : new ApiError('INTERNAL', 'bad error reply'));
    } else if (msg.type === 'event') {
      const set = listeners.get(msg.event);
      if (set) for (const l of [...set]) l(msg.payload);
    }
  };

  const connect = () => {
    setState('connecting');
    const s = new Socket(url);
    socket = s;
    s.onopen = () => {
      backoffMs = 250;
      setState('open');
      for (const m of outbox.splice(0)) s.send(m);
    };
    s.onmessage = (ev) => onMessage(ev.data);
    s.onerror = () => { /* onclose follows */ };
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      failPending('connection to the Tessera server closed');
      if (closedByUser || !reconnect) {
        setState('closed');
        return;
      }
      setState('connecting');
      const delay = backoffMs;
      backoffMs = Math.min(backoffMs * 2, 5000);
      setTimeout(() => { if (!closedByUser) connect(); }, delay);
    };
  };
  connect();

  function invoke<K extends MethodName>(method: K, ...args: ParamsArg<K>): Promise<MethodResult<K>> {
    if (closedByUser) return Promise.reject(new ApiError('DISCONNECTED', 'client closed'));
    const id = nextId++;
    const params: MethodParams<K> | undefined = args[0];
    const msg: ClientMessage = { type: 'call', id, method, params: params ?? {} };
    return new Promise<MethodResult<K>>((resolve, reject) => {
      const timer = methods[method].long ? null : setTimeout(() => {
        pending.delete(id);
        reject(new ApiError('DISCONNECTED', `${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const text = JSON.stringify(msg);
      if (socket && socket.readyState === OPEN) socket.send(text);
      else outbox.push(text);
    });
  }

  function on<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const l = listener as (p: unknown) => void;
    set.add(l);
    return () => { set.delete(l); };
  }

  const client: WsClient = {
    invoke,
    on,
    get state() { return state; },
    onConnection(listener) {
      stateListeners.add(listener);
      return () => { stateListeners.delete(listener); };
    },
    ready() {
      if (state === 'open') return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const off = client.onConnection((s) => {
          if (s === 'open') { off(); resolve(); }
          else if (s === 'closed') { off(); reject(new ApiError('DISCONNECTED', `cannot connect to ${opts.baseUrl}`)); }
        });
      });
    },
    close() {
      closedByUser = true;
      failPending('client closed');
      socket?.close(1000, 'bye');
      socket = null;
      setState('closed');
    },
  };
  return client;
}

/** Convenience for typed payloads in listeners (keeps `Events` in the public surface). */
export type EventPayload<E extends EventName> = Events[E];
