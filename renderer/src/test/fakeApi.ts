// Test double of the API for slice and component tests: answers from per-method handlers,
// records every call, and lets a test push events. Test-only; the product talks to the real app.
import type { EventName, Events } from '../../../app/contract/events';
import type { MethodName, MethodParams, MethodResult, TesseraApi } from '../../../app/contract/api';
import { ApiError } from '../../../app/contract/errors';

export type FakeHandlers = {
  [K in MethodName]?: (params: MethodParams<K>) => MethodResult<K> | Promise<MethodResult<K>>;
};

export interface FakeApi extends TesseraApi {
  calls: Array<{ method: MethodName; params: unknown }>;
  callsOf<K extends MethodName>(method: K): Array<MethodParams<K>>;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  listenerCount(event: EventName): number;
  handlers: FakeHandlers;
}

export function createFakeApi(handlers: FakeHandlers = {}): FakeApi {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: FakeApi['calls'] = [];
  const api: FakeApi = {
    calls,
    handlers,
    callsOf<K extends MethodName>(method: K) {
      return calls.filter((c) => c.method === method).map((c) => c.params as MethodParams<K>);
    },
    async invoke(method: MethodName, ...args: unknown[]) {
      const params = args[0] ?? {};
      calls.push({ method, params });
      const h = handlers[method] as ((p: unknown) => unknown) | undefined;
      if (!h) throw new ApiError('UNKNOWN_METHOD', `fake API has no handler for ${method}`);
      return h(params);
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (p: unknown) => void);
      return () => {
        set.delete(listener as (p: unknown) => void);
      };
    },
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    listenerCount(event) {
      return listeners.get(event)?.size ?? 0;
    },
  } as FakeApi;
  return api;
}
