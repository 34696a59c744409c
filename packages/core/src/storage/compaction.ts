import * as Y from 'yjs';

/** A log compacts once this many entries, or this many bytes, were appended since its snapshot... */
export const COMPACT_AFTER_ENTRIES = 100;
export const COMPACT_AFTER_BYTES = 256 * 1024;

/** What a store knows of one document's log: its snapshot (the first or the merged entry) and what follows. */
export interface LogSize {
  snapshotBytes: number;
  /** Entries appended since the snapshot. */
  entries: number;
  /** Bytes appended since the snapshot. */
  bytes: number;
}

/**
 * ...and no fewer bytes than the snapshot holds. A Yjs document keeps a few bytes for every value ever
 * overwritten, so a busy record's snapshot keeps growing, and compacting rewrites all of it: waiting until
 * as much again was appended keeps the cost per byte written constant, where a fixed threshold would
 * rewrite a record that took 4,000 edits (about 100 KiB) every hundred edits.
 */
export function shouldCompact(log: LogSize): boolean {
  if (log.entries === 0 || (log.entries === 1 && log.snapshotBytes === 0)) return false;
  const enough = log.entries > COMPACT_AFTER_ENTRIES || log.bytes > COMPACT_AFTER_BYTES;
  return enough && log.bytes >= log.snapshotBytes;
}

/** The size of a log as loaded: its largest entry stands for the snapshot. */
export function logSizeOf(updates: readonly Uint8Array[]): LogSize {
  let snapshotBytes = 0;
  let bytes = 0;
  for (const update of updates) {
    bytes += update.byteLength;
    snapshotBytes = Math.max(snapshotBytes, update.byteLength);
  }
  return { snapshotBytes, entries: Math.max(0, updates.length - 1), bytes: bytes - snapshotBytes };
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
