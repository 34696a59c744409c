/**
 * Where the relay keeps file bytes ("blobs"), by content hash (SHA-256 hex), stored once whatever the number
 * of records that refer to them, and the uploads under way, a chunk at a time.
 *
 * Uploads are named by a key (the record and hash they are for, see fileRoutes) so that one principal's
 * partial upload tells nothing to another. A blob is only stored by `commit`, after its hash was checked.
 *
 * Bytes are read a range at a time, and `commit` turns an upload into a blob inside the store: the relay
 * never holds a whole file in memory, however large files are or however many are read at once.
 *
 * Implementations: `MemoryBlobStorage` (tests), `SqliteBlobStorage` (the relay's SQLite file, the default
 * with a data folder), `PostgresBlobStorage` and `FolderBlobStorage` (`ferry serve --blobs DIR`). All pass
 * `runBlobStorageTests` from `@ferry/server/testing`.
 */
export interface BlobStorage {
  /** A stored blob's size in bytes, or undefined when it is not stored. */
  size(hash: string): Promise<number | undefined>;
  /** Up to `length` bytes of blob `hash` from `offset`: fewer at its end, none when it is not stored. */
  read(hash: string, offset: number, length: number): Promise<Uint8Array>;
  /** Bytes received so far of upload `key` (0 when none). */
  received(key: string): Promise<number>;
  /**
   * Adds `chunk` to upload `key` at `offset`, which must be what `received` answers; returns the new total.
   * Rejects with a BlobOffsetError, changing nothing, when it is not.
   */
  append(key: string, offset: number, chunk: Uint8Array, at: number): Promise<number>;
  /** Up to `length` bytes of upload `key` from `offset`. */
  readUpload(key: string, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Stores the bytes of upload `key` as blob `hash` (checked by the caller) and ends the upload, in one step.
   * A blob already stored is kept as it is, with `at` as its new time (a fresh upload protects it from
   * collection anew).
   */
  commit(key: string, hash: string, at: number): Promise<void>;
  /** Ends upload `key`, keeping nothing of it. */
  drop(key: string): Promise<void>;
  /** At most `limit` hashes, sorting after `after`, of blobs stored or refreshed before `before` (ms). */
  storedBefore(before: number, after: string, limit: number): Promise<string[]>;
  /** Removes blobs. */
  remove(hashes: readonly string[]): Promise<void>;
  /** Drops the uploads not added to since `before` (ms); returns how many. */
  dropUploadsBefore(before: number): Promise<number>;
  close(): Promise<void>;
}

/** An upload's chunk did not start where the relay's copy ends (another sender got there first). */
export class BlobOffsetError extends Error {
  constructor(readonly received: number) {
    super(`The relay holds ${received} bytes of this upload; send from there.`);
    this.name = 'BlobOffsetError';
  }
}
