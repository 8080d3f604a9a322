// Messages on the wire. WebSocket: JSON frames below. Electron IPC: ipcRenderer.invoke(IPC_CALL,
// method, params) answered with a CallReply (errors travel as values: Electron drops the fields
// of thrown errors), events on IPC_EVENT as (event, payload). HTTP: POST /api/call/<method>
// with the params as the JSON body, answered with a CallReply.
import { z } from 'zod';
import type { ApiErrorShape } from './errors.js';
import type { EventName } from './events.js';

export const PROTOCOL_VERSION = 1;

export const IPC_CALL = 'tessera:call';
export const IPC_EVENT = 'tessera:event';

/** Path of the WebSocket endpoint; the token goes in the `token` query parameter. */
export const WS_PATH = '/api/ws';
export const HTTP_CALL_PREFIX = '/api/call/';
/** Output and preview files: /files/<root>/<relative path>. */
export const FILES_PREFIX = '/files/';

export type CallReply<R = unknown> = { ok: true; result: R } | { ok: false; error: ApiErrorShape };

export const ClientMessageSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  method: z.string().min(1).max(100),
  params: z.unknown().optional(),
});
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type ServerMessage =
  | { type: 'hello'; protocol: number; mode: 'electron' | 'headless' }
  | ({ type: 'result'; id: number } & CallReply)
  | { type: 'event'; event: EventName; payload: unknown };
