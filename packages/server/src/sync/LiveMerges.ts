import { type DocumentUpdate, realTimers, type Timers } from '@ferry/core';
import * as Y from 'yjs';

/**
 * Live updates queued for a connection in one turn of the event loop leave as one update per record: a
 * reader applies one update where it would apply dozens in a burst. Every reader of a record is handed the
 * same updates in the same turn, so the merge is made once per turn and shared by all of them.
 */
export class LiveMerges {
  /** This turn's merges by record: which updates went in, and what came out. */
  #merged = new Map<string, { readonly parts: readonly Uint8Array[]; readonly update: Uint8Array }>();
  #clearScheduled = false;

  constructor(private readonly timers: Timers = realTimers) {}

  /** The items with each record's updates merged into one, in the order records first appear. */
  merge(items: readonly DocumentUpdate[]): DocumentUpdate[] {
    if (items.length === 1) return [...items];
    const byName = new Map<string, Uint8Array[]>();
    for (const { name, update } of items) {
      const parts = byName.get(name);
      if (parts) parts.push(update);
      else byName.set(name, [update]);
    }
    return [...byName].map(([name, parts]) => ({ name, update: this.#mergeOnce(name, parts) }));
  }

  #mergeOnce(name: string, parts: readonly Uint8Array[]): Uint8Array {
    if (parts.length === 1) return parts[0]!;
    const known = this.#merged.get(name);
    if (known && sameParts(known.parts, parts)) return known.update;
    const update = Y.mergeUpdates(parts as Uint8Array[]);
    this.#merged.set(name, { parts, update });
    if (!this.#clearScheduled) {
      this.#clearScheduled = true;
      // Queued from within this turn's flushes, so it runs after all of them.
      this.timers.setImmediate(() => {
        this.#clearScheduled = false;
        this.#merged.clear();
      });
    }
    return update;
  }
}

const sameParts = (a: readonly Uint8Array[], b: readonly Uint8Array[]) =>
  a.length === b.length && a.every((part, i) => part === b[i]);
