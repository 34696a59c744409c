import type * as Y from 'yjs';
import type { ChangeId } from '../replica/Replica.js';

/** The highest change number per tab: which changes of each tab a push carried, or the relay holds. */
export type Coverage = Map<string, number>;

/** Raises `coverage` to include `change` (and every earlier change of its tab). */
export function cover(coverage: Coverage, change: ChangeId): void {
  if ((coverage.get(change.by) ?? 0) < change.seq) coverage.set(change.by, change.seq);
}

export const covers = (coverage: Coverage | undefined, change: ChangeId): boolean =>
  (coverage?.get(change.by) ?? 0) >= change.seq;

/**
 * The device's marks of changes the relay may lack, kept in the outbox document that every tab stores and
 * shares. A mark says: tab `writer` applied tab `by`'s changes to record `name` up to number `seq`, and
 * stored them in the same store transaction. A tab writes only marks of its own (it is their `writer`), so
 * two tabs never overwrite each other's; any tab removes the marks an acknowledgement it received covers,
 * and a mark written again meanwhile by its tab survives that removal (a Y.Map delete removes only the value
 * it saw). The changes of a tab that closed before writing its mark are marked by every tab that applied
 * them, so no change is left unmarked while some tab holds it.
 */
export class ChangeMarks {
  readonly #map: Y.Map<number>;
  /** The marks of each record, by key. */
  readonly #byName = new Map<string, Map<string, ChangeId>>();

  constructor(
    map: Y.Map<number>,
    private readonly writer: string,
    /** Called after marks of a record were added or removed, here or in another tab; with those removed. */
    onChange: (name: string, removed: readonly ChangeId[]) => void,
  ) {
    this.#map = map;
    for (const [key, seq] of map) this.#index(key, seq);
    map.observe((event) => {
      const removed = new Map<string, ChangeId[]>();
      const touched = new Set<string>();
      for (const key of event.keysChanged) {
        const parsed = parseKey(key);
        if (!parsed) continue;
        touched.add(parsed.name);
        const seq = map.get(key);
        if (seq !== undefined) {
          this.#index(key, seq);
          continue;
        }
        this.#unindex(parsed.name, key);
        const old = event.changes.keys.get(key)?.oldValue;
        if (typeof old === 'number') {
          const list = removed.get(parsed.name) ?? [];
          list.push({ by: parsed.by, seq: old });
          removed.set(parsed.name, list);
        }
      }
      for (const name of touched) onChange(name, removed.get(name) ?? []);
    });
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  names(): IterableIterator<string> {
    return this.#byName.keys();
  }

  /** The changes marked for a record, whoever marked them. */
  of(name: string): Iterable<ChangeId> {
    return this.#byName.get(name)?.values() ?? [];
  }

  /** Marks this tab's having applied (and stored) `change`; call inside the outbox document's transaction. */
  mark(name: string, change: ChangeId): void {
    const key = keyOf(name, change.by, this.writer);
    if ((this.#map.get(key) ?? 0) >= change.seq) return;
    this.#map.set(key, change.seq);
    this.#index(key, change.seq);
  }

  /** Removes a record's marks that `coverage` covers, whoever wrote them. Returns whether any are left. */
  removeCovered(name: string, coverage: Coverage | undefined): boolean {
    const marks = this.#byName.get(name);
    if (!marks) return false;
    for (const [key, change] of [...marks]) {
      if (!covers(coverage, change)) continue;
      this.#map.delete(key);
      this.#unindex(name, key);
    }
    return this.#byName.has(name);
  }

  #unindex(name: string, key: string): void {
    const marks = this.#byName.get(name);
    marks?.delete(key);
    if (marks?.size === 0) this.#byName.delete(name);
  }

  #index(key: string, seq: number): void {
    const parsed = parseKey(key);
    if (!parsed) return;
    let marks = this.#byName.get(parsed.name);
    if (!marks) {
      marks = new Map();
      this.#byName.set(parsed.name, marks);
    }
    marks.set(key, { by: parsed.by, seq });
  }
}

// Record names and tab ids hold no spaces.
const keyOf = (name: string, by: string, writer: string) => `${name} ${by} ${writer}`;

function parseKey(key: string): { name: string; by: string } | undefined {
  const parts = key.split(' ');
  if (parts.length !== 3) return undefined;
  return { name: parts[0]!, by: parts[1]! };
}
