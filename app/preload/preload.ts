// Preload of the main window: exposes the typed API on window.tessera. The window is sandboxed,
// so this file may import nothing at run time but 'electron' (contract imports are type-only;
// the two channel names are checked against the contract's constants by their types).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Listener, MethodName, MethodResult, ParamsArg, TesseraApi, Unsubscribe } from '../contract/api.js';
import type { EventName } from '../contract/events.js';
import type { CallReply, IPC_CALL, IPC_EVENT } from '../contract/wire.js';

const CALL: typeof IPC_CALL = 'tessera:call';
const EVENT: typeof IPC_EVENT = 'tessera:event';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT, (_e: IpcRendererEvent, event: unknown, payload: unknown) => {
  if (typeof event !== 'string') return;
  const set = listeners.get(event);
  if (set) for (const l of [...set]) l(payload);
});

/**
 * window.tessera. Failed calls reject with a plain { name: 'ApiError', code, message, details }
 * object (contextBridge would strip an Error's fields); toApiError() in the contract turns it
 * back into an ApiError.
 */
export const bridge: TesseraApi = {
  async invoke<K extends MethodName>(method: K, ...params: ParamsArg<K>): Promise<MethodResult<K>> {
    const reply = (await ipcRenderer.invoke(CALL, method, params[0] ?? {})) as CallReply<MethodResult<K>>;
    if (reply.ok) return reply.result;
    throw { name: 'ApiError', ...reply.error };
  },
  on<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => { set.delete(l); };
  },
};

contextBridge.exposeInMainWorld('tessera', bridge);
