import type { Comparator, FieldReader, Predicate } from './compile.js';

/** One version of a record as queries see it: immutable, so it can be found again in a sorted list. */
export interface QueryEntry<V> {
  readonly id: string;
  readonly value: V;
  readonly read: FieldReader;
}

/** What a live query reads from: the collection's current records and their changes. */
export interface QuerySource<V> {
  /** Increments on every change, so an unsubscribed query knows when to recompute. */
  readonly version: number;
  entries(): Iterable<QueryEntry<V>>;
  /** Called with the record's new entry, or undefined when it left (deleted). */
  watch(listener: (id: string, entry: QueryEntry<V> | undefined) => void): () => void;
}

/**
 * A query result that follows the data. While it has subscribers it keeps its matching records sorted and
 * updates them one change at a time: a change re-evaluates that record only (a binary search, one splice).
 * Subscribers hear once per tick however many records changed in it.
 */
export class LiveQuery<V> {
  #sorted: QueryEntry<V>[] = [];
  readonly #byId = new Map<string, QueryEntry<V>>();
  readonly #subscribers = new Set<(current: readonly V[]) => void>();
  #unwatch: (() => void) | undefined;
  #current: readonly V[] | undefined;
  #computedAt = -1;
  #notifyScheduled = false;

  constructor(
    private readonly source: QuerySource<V>,
    private readonly matches: Predicate,
    private readonly compare: Comparator,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}

  /** The matching records, in order, as plain values. The same array until something in it changes. */
  get current(): readonly V[] {
    if (!this.#unwatch && this.#computedAt !== this.source.version) this.#rebuild();
    this.#current ??= Object.freeze(this.#sorted.slice(0, this.limit).map((e) => e.value));
    return this.#current;
  }

  /** Calls `listener` after every change to the result. Returns the unsubscribe function. */
  subscribe(listener: (current: readonly V[]) => void): () => void {
    if (this.#subscribers.size === 0) {
      this.#unwatch = this.source.watch((id, entry) => this.#apply(id, entry));
      this.#rebuild();
    }
    this.#subscribers.add(listener);
    return () => {
      if (!this.#subscribers.delete(listener) || this.#subscribers.size > 0) return;
      this.#unwatch?.();
      this.#unwatch = undefined;
    };
  }

  #rebuild(): void {
    this.#byId.clear();
    const matching: QueryEntry<V>[] = [];
    for (const entry of this.source.entries()) {
      if (!this.matches(entry.read)) continue;
      matching.push(entry);
      this.#byId.set(entry.id, entry);
    }
    this.#sorted = matching.sort((a, b) => this.compare(a.read, b.read));
    this.#current = undefined;
    this.#computedAt = this.source.version;
  }

  #apply(id: string, entry: QueryEntry<V> | undefined): void {
    const sorted = this.#sorted;
    const old = this.#byId.get(id);
    const next = entry && this.matches(entry.read) ? entry : undefined;
    if (!old && !next) return;
    let touched = Number.POSITIVE_INFINITY;
    let at = old ? this.#indexOf(old) : -1;
    if (old && next && this.#fitsAt(at, next)) {
      // Same place in the order: the common case of editing a field the query does not sort by.
      sorted[at] = next;
      touched = at;
    } else {
      if (old) {
        sorted.splice(at, 1);
        touched = at;
      }
      if (next) {
        at = this.#insertionPoint(next);
        sorted.splice(at, 0, next);
        touched = Math.min(touched, at);
      }
    }
    if (next) this.#byId.set(id, next);
    else this.#byId.delete(id);
    this.#computedAt = this.source.version;
    // A change wholly below the visible window changes nothing a subscriber sees.
    if (touched >= this.limit) return;
    this.#current = undefined;
    this.#scheduleNotify();
  }

  #fitsAt(index: number, entry: QueryEntry<V>): boolean {
    const sorted = this.#sorted;
    const before = sorted[index - 1];
    const after = sorted[index + 1];
    return (
      (!before || this.compare(before.read, entry.read) < 0) &&
      (!after || this.compare(entry.read, after.read) < 0)
    );
  }

  /** The index of an entry known to be in the list (the order is total, ties broken by id). */
  #indexOf(entry: QueryEntry<V>): number {
    const at = this.#insertionPoint(entry);
    if (this.#sorted[at] !== entry) throw new Error(`LiveQuery lost track of record "${entry.id}"`);
    return at;
  }

  #insertionPoint(entry: QueryEntry<V>): number {
    let low = 0;
    let high = this.#sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.#sorted[mid]!.read, entry.read) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #scheduleNotify(): void {
    if (this.#notifyScheduled) return;
    this.#notifyScheduled = true;
    queueMicrotask(() => {
      this.#notifyScheduled = false;
      if (this.#subscribers.size === 0) return;
      const current = this.current;
      for (const listener of [...this.#subscribers]) {
        try {
          listener(current);
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    });
  }
}
