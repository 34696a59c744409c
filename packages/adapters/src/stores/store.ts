/** Svelte's store contract: `subscribe` calls `run` at once with the current value, then on every change. */
export interface Readable<T> {
  subscribe(run: (value: T) => void): () => void;
}

/**
 * A store that can also be read without subscribing: the current value while subscribed, else read afresh.
 * React's `useSyncExternalStore` needs that; Svelte and Vue only subscribe.
 */
export interface SharedStore<T> extends Readable<T> {
  get(): T;
}

/**
 * A store over something that says when it changed (`listen`) and can be read (`read`). It listens only
 * while someone subscribes, and tells subscribers only when the value read is a different one.
 */
export function readableFrom<T>(listen: (changed: () => void) => () => void, read: () => T): SharedStore<T> {
  const runs = new Set<(value: T) => void>();
  let value: T;
  let stop: (() => void) | undefined;
  return {
    subscribe(run) {
      if (runs.size === 0) {
        stop = listen(() => {
          const next = read();
          if (Object.is(next, value)) return;
          value = next;
          for (const each of [...runs]) each(value);
        });
        // Listening may itself change what is read (joining a record's presence shows who is there).
        value = read();
      }
      runs.add(run);
      run(value);
      return () => {
        if (!runs.delete(run) || runs.size > 0) return;
        stop?.();
        stop = undefined;
      };
    },
    get: () => (runs.size > 0 ? value : read()),
  };
}
