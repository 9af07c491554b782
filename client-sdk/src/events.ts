import type { Logger } from './logger.js';

type Listener<T> = (payload: T) => void;

/** A small typed event emitter. A throwing listener is logged and never breaks the others. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly logger: Logger) {}

  on<E extends keyof Events>(event: E, fn: Listener<Events[E]>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const stored = fn as Listener<never>;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  once<E extends keyof Events>(event: E, fn: Listener<Events[E]>): () => void {
    const off = this.on(event, (payload) => {
      off();
      fn(payload);
    });
    return off;
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<Events[E]>)(payload);
      } catch (err) {
        this.logger.error(`session-tracker: a "${String(event)}" listener threw`, err);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  clear(): void {
    this.listeners.clear();
  }
}
