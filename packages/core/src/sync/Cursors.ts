import type * as Y from 'yjs';
import type { Replica } from '../replica/Replica.js';
import { TAB_PRIVATE_PREFIX } from '../replica/TabChannel.js';

/**
 * Where this tab's connection got to in each collection's change feed, kept in a local document of the tab's
 * own: a cursor is stored in the same store transaction as the updates it covers, or after them, so that a
 * restart never resumes past an update the device does not hold. Shown to another tab, it could be stored by
 * that tab before the updates landed here, and outlive them if this tab died in between. Every tab's cursors
 * are valid for the store, so whichever one a later load finds is.
 */
export class Cursors {
  readonly #stored: Y.Map<string>;
  /** Cursors from before they had a document of their own. */
  readonly #older: Y.Map<string>;
  /** Cursors received since the last flush: a busy collection sends one per commit, stored once per flush. */
  readonly #toStore = new Map<string, string>();

  constructor(
    private readonly replica: Replica,
    olderCursors: Y.Map<string>,
  ) {
    const doc = replica.open(CURSORS_DOC);
    this.#stored = doc.getMap('cursors');
    this.#older = olderCursors;
    // Joins the flush of the updates received before it.
    replica.beforeFlush(() => {
      if (this.#toStore.size === 0) return;
      const cursors = [...this.#toStore];
      this.#toStore.clear();
      doc.transact(() => {
        for (const [key, cursor] of cursors) this.#stored.set(key, cursor);
      });
    });
  }

  get(key: string): string {
    return this.#toStore.get(key) ?? this.#stored.get(key) ?? this.#older.get(key) ?? '';
  }

  set(key: string, cursor: string): void {
    if (this.get(key) === cursor) return;
    this.#toStore.set(key, cursor);
    this.replica.requestFlush();
  }
}

const CURSORS_DOC = `${TAB_PRIVATE_PREFIX}cursors`;
