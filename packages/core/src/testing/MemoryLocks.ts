import type { LockManagerLike } from '../replica/TabLeadership.js';

interface Waiting {
  readonly callback: () => Promise<void> | void;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Exclusive Web Locks in memory, for clients of one process that stand for the tabs of one device (Node has
 * no `navigator.locks`): each name is granted to one request at a time, in the order asked, and held until
 * the request's callback settles. A request whose signal aborts before it is granted leaves the line.
 */
export class MemoryLocks implements LockManagerLike {
  readonly #lines = new Map<string, Waiting[]>();
  readonly #held = new Set<string>();

  request(
    name: string,
    options: { mode: 'exclusive'; signal?: AbortSignal },
    callback: () => Promise<void> | void,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const waiting: Waiting = { callback, resolve, reject };
      const line = this.#lines.get(name) ?? [];
      line.push(waiting);
      this.#lines.set(name, line);
      signal?.addEventListener(
        'abort',
        () => {
          const at = line.indexOf(waiting);
          if (at < 0) return;
          line.splice(at, 1);
          reject(signal.reason);
        },
        { once: true },
      );
      this.#grant(name);
    });
  }

  #grant(name: string): void {
    if (this.#held.has(name)) return;
    const next = this.#lines.get(name)?.shift();
    if (!next) return;
    this.#held.add(name);
    const release = () => {
      this.#held.delete(name);
      this.#grant(name);
    };
    Promise.resolve()
      .then(next.callback)
      .then(
        (value) => {
          release();
          next.resolve(value);
        },
        (error) => {
          release();
          next.reject(error);
        },
      );
  }
}
