/**
 * The relay's durable store: an append-only log of Yjs updates per document, with a cursor per
 * collection. The relay acknowledges a client's change only after `append` has resolved, so `append` must
 * not resolve before the entries survive a crash of the process.
 *
 * Cursors are per-collection sequence numbers in decimal: each entry appended to a collection takes the
 * next one, with no gaps, and entries become visible in that order, even with several relays writing. A
 * relay that sees entry n + 2 before n + 1 therefore knows it missed one and reads it back from here.
 *
 * Implementations: `SqliteStorage` (the embedded default) and `MemoryServerStorage` (tests). All pass
 * `runServerStorageTests` from `@ferry/server/testing`.
 */
export interface ServerStorage {
  /** Every stored update of one document (empty when unknown). */
  load(name: string): Promise<Uint8Array[]>;
  /** Commits the entries in one transaction, durably. Entries of the same document keep their order. */
  append(entries: readonly AppendEntry[]): Promise<AppendResult>;
  /**
   * What changed in a collection after `cursor` ('' for from the beginning): stored updates in commit
   * order, at most `limit` of them, and the cursor to ask from next. A document whose log was compacted
   * comes back as its snapshot.
   */
  changes(collection: string, cursor: string, options?: ChangesOptions): Promise<ChangesPage>;
  /**
   * How much `changes` would list after `cursor` now: the number of distinct documents and the bytes of
   * their stored updates. Read from the log's index, without loading the updates; the relay announces it to
   * a client before a catch-up sync, so that the client can show how far along it is.
   */
  changesSize(collection: string, cursor: string, options?: ChangesSizeOptions): Promise<ChangesSize>;
  /** A document's log with each entry's cursor, author and time, oldest first: its history. */
  history(name: string): Promise<LogEntry[]>;
  /**
   * The entries of a document's log committed before `cursor` (a cursor of its collection), oldest first:
   * the record as it was before that change, read without the entries after it.
   */
  logBefore(name: string, cursor: string): Promise<LogEntry[]>;
  /**
   * Replaces a document's log entries older than `options.before` (ms since epoch; all by default) with
   * `merge(those entries)`, in one transaction: entries appended meanwhile are either merged or kept, never
   * lost. Returns the number of entries merged (0 when fewer than two qualify).
   */
  compact(
    name: string,
    merge: (updates: Uint8Array[]) => Uint8Array,
    options?: CompactOptions,
  ): Promise<number>;
  /**
   * Moves entries of a document's log aside (the relay found Yjs cannot apply them): they are kept, with
   * their author and time, but no longer loaded, listed as changes, shown as history or merged by
   * compaction. Cursors that are not in the log are ignored.
   */
  setAside(name: string, cursors: readonly string[]): Promise<void>;
  /** The entries of a document that were set aside, oldest first. */
  setAsideOf(name: string): Promise<LogEntry[]>;
  /**
   * At most `limit` names of stored documents that sort after `after` ('' for the first), in order: every
   * document, a page at a time (the blob collector reads them to find which files are still referred to).
   */
  documentNames(after: string, limit: number): Promise<string[]>;
  /**
   * The records of a collection readable by `reader` (a key of an indexed read rule) or that stopped being
   * readable by it, changed after `cursor` and up to `options.upTo`, oldest change first: what a sync for
   * that reader must decide, with each readable record's updates. Reads only that reader's rows of the
   * index and their records, however large the collection.
   */
  readersChanges(
    collection: string,
    reader: string,
    cursor: string,
    options: ReadersChangesOptions,
  ): Promise<ReadersChangesPage>;
  /**
   * Sets which keys records are readable by, as of each one's `cursor`, as appends with `readers` do: for
   * building the index of records stored before it was kept. A row the index holds from a later cursor is
   * left as it is.
   */
  indexReaders(collection: string, records: readonly IndexedRecord[]): Promise<void>;
  /** The cursor of a collection's newest committed entry ('' when it has none). */
  head(collection: string): Promise<string>;
  /**
   * How far a reader of the change log has got (a webhook's last delivered cursor), kept across restarts
   * ('' when none was written).
   */
  readMark(key: string): Promise<string>;
  /** Stores a reader's position durably before resolving. */
  writeMark(key: string, cursor: string): Promise<void>;
  /** Resolves when the store answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface AppendEntry {
  readonly name: string;
  readonly collection: string;
  readonly update: Uint8Array;
  /** Who made the change (the principal), kept for history. */
  readonly actor: string;
  /** When the relay received it (ms since epoch). */
  readonly at: number;
  /**
   * For a collection whose read rule is indexed: the keys the record is readable by once this entry is
   * applied. Kept in the same transaction as the entry: every key named takes the entry's cursor, and a
   * key the record was readable by and is no longer is marked as such, with the entry's cursor.
   */
  readonly readers?: readonly string[];
}

export interface IndexedRecord {
  readonly name: string;
  readonly readers: readonly string[];
  readonly cursor: string;
}

export interface ReadersChangesOptions {
  /** At most this many records (default 1000). */
  readonly limit?: number;
  /** Only changes up to this cursor, inclusive (a collection's head, read before). */
  readonly upTo: string;
}

export interface ReadersChangesPage {
  /** Each record once, at its latest change for this reader, in cursor order. */
  readonly items: readonly {
    readonly name: string;
    readonly cursor: string;
    /** False when the record stopped being readable by the reader at `cursor`. */
    readonly readable: boolean;
    /**
     * A readable record's stored updates, read in the same snapshot as its row: as it was when it was last
     * changed, at `cursor` or before (a later change would have moved its row past `cursor`). Empty when
     * the record is not readable.
     */
    readonly updates: readonly Uint8Array[];
  }[];
  readonly cursor: string;
  readonly more: boolean;
}

export interface AppendResult {
  /** The cursor of each collection touched, as of this commit. */
  readonly cursors: ReadonlyMap<string, string>;
  /** The cursor of each entry, in the order given. */
  readonly positions: readonly string[];
}

export interface LogEntry {
  readonly update: Uint8Array;
  readonly cursor: string;
  readonly actor: string;
  readonly at: number;
}

export interface CompactOptions {
  /** Merge only entries made before this time (ms since epoch), keeping the rest as history. */
  readonly before?: number;
}

export interface ChangesOptions {
  /** At most this many entries (default 1000). */
  readonly limit?: number;
  /** Only documents with a change at or after this time (ms since epoch). */
  readonly updatedSince?: number;
  /**
   * Names and cursors only, each `update` empty: for a reader that loads the documents itself (a REST list),
   * so that a page of large entries is not read for nothing. A store may ignore it.
   */
  readonly withoutUpdates?: boolean;
}

export type ChangesSizeOptions = Pick<ChangesOptions, 'updatedSince'>;

export interface ChangesSize {
  /** Distinct documents with entries after the cursor. */
  readonly records: number;
  /** The bytes of those entries' updates. */
  readonly bytes: number;
}

export interface ChangesPage {
  /** Entries in cursor order, each with its own cursor (compaction leaves gaps between them). */
  readonly items: readonly { readonly name: string; readonly update: Uint8Array; readonly cursor: string }[];
  readonly cursor: string;
  /** True when more entries follow; ask again from `cursor`. */
  readonly more: boolean;
}

/** The storage failed; the change was not committed. */
export class ServerStorageError extends Error {
  readonly code = 'storage';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServerStorageError';
  }
}
