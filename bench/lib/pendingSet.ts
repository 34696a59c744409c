/**
 * Waits for many things at once: keys are pending until `check(key)` holds, re-checked whenever
 * `recheck(key)` is called (from the events that may change the answer). Resolves once none is pending.
 */
export class PendingSet<K> {
  readonly #pending: Set<K>;
  #resolve: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(
    keys: Iterable<K>,
    private readonly check: (key: K) => boolean,
  ) {
    this.#pending = new Set(keys);
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    for (const key of [...this.#pending]) this.recheck(key);
    if (this.#pending.size === 0) this.#resolve!();
  }

  get size(): number {
    return this.#pending.size;
  }

  recheck(key: K): void {
    if (!this.#pending.has(key) || !this.check(key)) return;
    this.#pending.delete(key);
    if (this.#pending.size === 0) this.#resolve!();
  }
}
