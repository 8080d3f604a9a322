// Fan-out of API events inside the app: services emit, transports (server, Electron main)
// subscribe and forward to their clients.
import type { EventSink, Unsubscribe } from '../contract/api.js';
import type { EventName, Events } from '../contract/events.js';

export type AnyEventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

export class EventBus implements EventSink {
  private readonly all = new Set<AnyEventListener>();
  private readonly byName = new Map<EventName, Set<(p: unknown) => void>>();

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of [...this.all]) {
      try { l(event, payload); } catch { /* a broken subscriber must not stop the others */ }
    }
    const set = this.byName.get(event);
    if (set) for (const l of [...set]) {
      try { l(payload); } catch { /* as above */ }
    }
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): Unsubscribe {
    let set = this.byName.get(event);
    if (!set) this.byName.set(event, (set = new Set()));
    const l = listener as (p: unknown) => void;
    set.add(l);
    return () => { set.delete(l); };
  }

  onAny(listener: AnyEventListener): Unsubscribe {
    this.all.add(listener);
    return () => { this.all.delete(listener); };
  }
}
