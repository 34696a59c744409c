import * as Y from 'yjs';

/** A document rebuilt from a log, and the entries of the log Yjs could not apply. */
export interface Replayed<E> {
  readonly doc: Y.Doc;
  readonly refused: readonly E[];
}

/**
 * Builds a document from log entries in order, leaving out any that Yjs cannot apply. The relay never stores
 * such an entry, but an older version did: a log holding one must still load. Yjs may have applied part of an
 * entry before throwing, so after each refusal the document is rebuilt from the entries that applied; the cost
 * is one rebuild per refused entry, and none for a log without any.
 */
export function replayLog<E>(
  entries: readonly E[],
  updateOf: (entry: E) => Uint8Array,
  guid: string,
): Replayed<E> {
  const doc = new Y.Doc({ guid });
  try {
    doc.transact(() => {
      for (const entry of entries) Y.applyUpdate(doc, updateOf(entry));
    });
    return { doc, refused: [] };
  } catch {
    doc.destroy();
  }
  const applied: E[] = [];
  const refused: E[] = [];
  let rebuilt = new Y.Doc({ guid });
  for (const entry of entries) {
    try {
      Y.applyUpdate(rebuilt, updateOf(entry));
      applied.push(entry);
    } catch {
      refused.push(entry);
      rebuilt.destroy();
      rebuilt = new Y.Doc({ guid });
      const fresh = rebuilt;
      fresh.transact(() => {
        for (const good of applied) Y.applyUpdate(fresh, updateOf(good));
      });
    }
  }
  return { doc: rebuilt, refused };
}
