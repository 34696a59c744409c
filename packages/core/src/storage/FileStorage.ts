/**
 * Where a client keeps file bytes on the device, by content hash (SHA-256 hex). The bytes of a hash never
 * change, so there is nothing to merge: a put of a hash already stored may be skipped.
 *
 * Implementations: `MemoryFileStorage` (tests, Node) and `IndexedDBFileStorage` (browsers, the default
 * there). Both pass `runFileStorageTests` from `@ferry/core/testing`.
 */
export interface FileStorage {
  /** The bytes stored under `hash`, or undefined. */
  get(hash: string): Promise<Uint8Array | undefined>;
  /** Stores `bytes` under `hash` (the caller has checked the hash). Resolves once durable. */
  put(hash: string, bytes: Uint8Array): Promise<void>;
  remove(hash: string): Promise<void>;
  /** Every stored hash. */
  hashes(): Promise<string[]>;
  close(): Promise<void>;
}
