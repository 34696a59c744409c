import * as Y from 'yjs';

/** A log compacts once it holds this many entries or this many bytes, whichever comes first. */
export const COMPACT_AFTER_ENTRIES = 100;
export const COMPACT_AFTER_BYTES = 256 * 1024;

export function shouldCompact(entries: number, bytes: number): boolean {
  return entries > COMPACT_AFTER_ENTRIES || (entries > 1 && bytes > COMPACT_AFTER_BYTES);
}

/**
 * One update equivalent to the given ones. Going through a document (rather than Y.mergeUpdates) drops
 * the content of deleted items, so a snapshot is never bigger than the document it describes.
 */
export function compactUpdates(updates: readonly Uint8Array[]): Uint8Array {
  // A guid of our own: generating a random one costs more than the merge for small documents.
  const doc = new Y.Doc({ guid: 'ferry:compaction' });
  doc.transact(() => {
    for (const update of updates) Y.applyUpdate(doc, update);
  });
  const snapshot = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return snapshot;
}
