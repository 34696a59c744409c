import type { Listener } from './Emitter.js';

/**
 * Events about one key at a time (a record's name): each listener is called only for the key it watches, so
 * a change to one record costs its own watchers and no one else's. Every `on` returns its own unsubscribe; a
 * throwing listener never stops the rest.
 */
export class KeyedEmitter<Value> {
  readonly #listeners = new Map<string, Set<Listener<Value>>>();

  constructor(private readonly onListenerError: (error: unknown) => void = reportListenerError) {}

  on(key: string, listener: Listener<Value>): () => void {
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(key) === set) this.#listeners.delete(key);
    };
  }

  emit(key: string, value: Value): void {
    const set = this.#listeners.get(key);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}

function reportListenerError(error: unknown): void {
  // Rethrown outside the emitter's call stack so one faulty listener cannot break Ferry's own state.
  queueMicrotask(() => {
    throw error;
  });
}
