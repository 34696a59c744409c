import type * as Y from 'yjs';

/**
 * Where a client keeps its documents on the device: bytes in, bytes out, keyed by document name. Each
 * document is a log of Yjs updates; a store may compact a log into fewer entries whenever it likes, as long
 * as applying what `load` returns yields the same document.
 *
 * Implementations: `MemoryStorage` (tests, Node), `IndexedDBStorage` (browsers, the default there) and
 * `YIndexedDBStorage` (one y-indexeddb database per document, for data kept that way already). All pass
 * `runLocalStorageTests` from `@ferry/core/testing`.
 */
export interface LocalStorage {
  /** Every stored document, for opening a client with no network. */
  loadAll(): Promise<StoredDocument[]>;
  /** One document's updates; empty when it is not stored. */
  load(name: string): Promise<Uint8Array[]>;
  /**
   * Adds an update to a document's log. Resolves once it is durable; rejects with a StorageError. `doc`,
   * when given, is the live document the update was applied to, which also holds everything this store
   * loaded for that name: the store may compact the log by encoding it instead of rebuilding it.
   */
  append(name: string, update: Uint8Array, doc?: Y.Doc): Promise<void>;
  /** Forgets a document. */
  remove(name: string): Promise<void>;
  /** Finishes pending writes and releases the store. */
  close(): Promise<void>;
}

export interface StoredDocument {
  readonly name: string;
  readonly updates: Uint8Array[];
}
