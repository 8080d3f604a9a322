// Types derived from the method table and the event map: what a client calls (TesseraApi) and
// what a server implements (Handlers). Both transports and the handlers are checked against
// these in contract.test-d.ts.
import type { z } from 'zod';
import type { MethodDef } from './define.js';
import type { EventName, Events } from './events.js';
import { methods, type Methods } from './methods.js';

export type MethodName = keyof Methods;

/** What the caller passes (defaults not yet applied). */
export type MethodParams<K extends MethodName> = z.input<Methods[K]['params']>;
/** What a handler receives after validation. */
export type HandlerParams<K extends MethodName> = z.output<Methods[K]['params']>;
export type MethodResult<K extends MethodName> =
  Methods[K] extends MethodDef<z.ZodType, infer R> ? R : never;

/** Params may be left out when every field is optional. */
export type ParamsArg<K extends MethodName> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  {} extends MethodParams<K> ? [params?: MethodParams<K>] : [params: MethodParams<K>];

export type Unsubscribe = () => void;
export type Listener<E extends EventName> = (payload: Events[E]) => void;

/** The API as the renderer sees it: window.tessera in Electron, the WebSocket client headless. */
export interface TesseraApi {
  invoke<K extends MethodName>(method: K, ...params: ParamsArg<K>): Promise<MethodResult<K>>;
  on<E extends EventName>(event: E, listener: Listener<E>): Unsubscribe;
}

/** Server side: one function per method, given validated params and the caller's context. */
export type Handlers<Ctx = void> = {
  [K in MethodName]: (params: HandlerParams<K>, ctx: Ctx) => Promise<MethodResult<K>> | MethodResult<K>;
};

/** Something that fans events out to every connected client. */
export interface EventSink {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
}

export const methodNames = Object.keys(methods) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
