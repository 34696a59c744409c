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

/**
 * Which live document, if any, is known to hold every entry of each log. Compacting such a log is encoding
 * that document (Y.encodeStateAsUpdate), far cheaper than rebuilding it from the log; any doubt (another
 * writer, an append from no document) falls back to rebuilding.
 */
export class LogHolders {
  readonly #holders = new Map<string, Y.Doc | 'loaded' | 'unknown'>();

  /** The store returned the whole log to its caller, who applied it to whatever document appends next. */
  loaded(name: string): void {
    this.#holders.set(name, 'loaded');
  }

  /** An entry was appended from `doc`; a log this store never saw before counts as empty. */
  appended(name: string, doc: Y.Doc | undefined): void {
    const holder = this.#holders.get(name);
    const held = doc !== undefined && (holder === undefined || holder === 'loaded' || holder === doc);
    this.#holders.set(name, held ? doc : 'unknown');
  }

  /** The log was replaced by a snapshot of `doc`, or of its own entries (`undefined`). */
  compacted(name: string, doc: Y.Doc | undefined): void {
    this.#holders.set(name, doc ?? 'unknown');
  }

  removed(name: string): void {
    this.#holders.delete(name);
  }

  /** The document holding the whole log, if one is known. */
  holder(name: string): Y.Doc | undefined {
    const holder = this.#holders.get(name);
    return typeof holder === 'object' ? holder : undefined;
  }
}
