import * as Y from 'yjs';
import { compactUpdates, LogHolders, type LogSize, logSizeOf, shouldCompact } from './compaction.js';
import { defaultIndexedDB, openDatabase, requestResult, storageErrorOf, transactionDone } from './idb.js';
import type { LocalStorage, StoredDocument } from './LocalStorage.js';

export interface IndexedDBStorageOptions {
  /** Database name; one per app (default `ferry`). */
  name?: string;
  /** The IndexedDB factory (default: the global `indexedDB`). */
  indexedDB?: IDBFactory;
  /**
   * `strict` (default) asks the browser to flush each write transaction to disk before reporting success;
   * `relaxed` survives a crash of the page or browser but not of the operating system, and is faster.
   */
  durability?: 'strict' | 'relaxed';
}

const STORE = 'updates';
type EntryKey = [name: string, entry: string];

interface PendingWrite {
  run(store: IDBObjectStore): void;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * All documents of a client in one IndexedDB database, one object store keyed by `[document, entry]`.
 * Opening reads the whole store in one request; writes issued in the same tick share one transaction;
 * a document's log is compacted into one snapshot in place once it passes a size threshold. Entry keys are
 * unique per tab, so several tabs writing the same document never overwrite each other.
 */
export class IndexedDBStorage implements LocalStorage {
  /** The database name. */
  readonly name: string;
  readonly #factory: IDBFactory;
  readonly #durability: 'strict' | 'relaxed';
  readonly #tab = Math.random().toString(36).slice(2, 10);
  #counter = 0;
  #db: Promise<IDBDatabase> | undefined;
  #pending: PendingWrite[] = [];
  /** What this instance knows of each log's size: what it loaded plus what it appended. */
  readonly #logSize = new Map<string, LogSize>();
  readonly #holders = new LogHolders();
  /** Entries this instance loaded; with its own (they carry its tab id), the ones a holder is known to hold. */
  readonly #loadedEntries = new Map<string, Set<string>>();

  constructor(options: IndexedDBStorageOptions = {}) {
    this.name = options.name ?? 'ferry';
    this.#factory = options.indexedDB ?? defaultIndexedDB();
    this.#durability = options.durability ?? 'strict';
  }

  async loadAll(): Promise<StoredDocument[]> {
    const store = await this.#store('readonly');
    const [keys, values] = await Promise.all([
      requestResult(store.getAllKeys()) as Promise<EntryKey[]>,
      requestResult(store.getAll()) as Promise<Uint8Array[]>,
    ]).catch((error) => Promise.reject(storageErrorOf(error, 'read the local store')));
    const docs = new Map<string, Uint8Array[]>();
    const entries = new Map<string, string[]>();
    keys.forEach(([name, entry], i) => {
      const updates = docs.get(name);
      if (updates) {
        updates.push(values[i]!);
        entries.get(name)!.push(entry);
      } else {
        docs.set(name, [values[i]!]);
        entries.set(name, [entry]);
      }
    });
    for (const [name, updates] of docs) this.#noteLoaded(name, updates, entries.get(name)!);
    return [...docs].map(([name, updates]) => ({ name, updates }));
  }

  async load(name: string): Promise<Uint8Array[]> {
    const store = await this.#store('readonly');
    const [keys, updates] = (await Promise.all([
      requestResult(store.getAllKeys(rangeOf(name))),
      requestResult(store.getAll(rangeOf(name))),
    ]).catch((error) => Promise.reject(storageErrorOf(error, `read "${name}"`)))) as [
      EntryKey[],
      Uint8Array[],
    ];
    this.#noteLoaded(
      name,
      updates,
      keys.map(([, entry]) => entry),
    );
    return updates;
  }

  append(name: string, update: Uint8Array, doc?: Y.Doc): Promise<void> {
    // Copied now: the write happens later in the tick and the caller may reuse its buffer meanwhile.
    const bytes = update.slice();
    const key: EntryKey = [name, this.#nextEntry()];
    this.#holders.appended(name, doc);
    let size = this.#logSize.get(name);
    if (size) {
      size.entries++;
      size.bytes += update.byteLength;
    } else {
      size = { snapshotBytes: update.byteLength, entries: 0, bytes: 0 };
      this.#logSize.set(name, size);
    }
    const written = this.#write((store) => store.put(bytes, key));
    if (shouldCompact(size)) {
      // Counted as compacted at once, so that the appends until it runs do not start another.
      this.#logSize.set(name, { snapshotBytes: size.snapshotBytes + size.bytes, entries: 0, bytes: 0 });
      this.#write((store) => this.#compact(store, name)).catch(() => {
        // A failed compaction leaves the log as it was, which is still complete.
      });
    }
    return written;
  }

  remove(name: string): Promise<void> {
    this.#logSize.delete(name);
    this.#holders.removed(name);
    this.#loadedEntries.delete(name);
    return this.#write((store) => store.delete(rangeOf(name)));
  }

  async close(): Promise<void> {
    if (this.#pending.length > 0) await this.#flush();
    const db = await this.#db?.catch(() => undefined);
    db?.close();
    this.#db = undefined;
  }

  /**
   * Replaces the log by one snapshot under a new key, deleting exactly the entries it covers, in one
   * transaction. The snapshot encodes the live document holding the log when every entry is known to be in
   * it (loaded or written by this instance); an entry from another tab means rebuilding it from the log.
   */
  #compact(store: IDBObjectStore, name: string): void {
    const keysRequest = store.getAllKeys(rangeOf(name));
    keysRequest.onsuccess = () => {
      const keys = keysRequest.result as EntryKey[];
      if (keys.length < 2) return;
      const holder = this.#holders.holder(name);
      const loaded = this.#loadedEntries.get(name);
      const held = holder && keys.every(([, entry]) => this.#isOwn(entry) || loaded?.has(entry));
      if (held) {
        this.#replace(store, name, keys, Y.encodeStateAsUpdate(holder), holder);
        return;
      }
      const valuesRequest = store.getAll(rangeOf(name));
      valuesRequest.onsuccess = () => {
        const updates = valuesRequest.result as Uint8Array[];
        this.#replace(store, name, keys, compactUpdates(updates), undefined);
      };
    };
  }

  #replace(
    store: IDBObjectStore,
    name: string,
    keys: EntryKey[],
    snapshot: Uint8Array,
    holder?: Y.Doc,
  ): void {
    store.put(snapshot, [name, this.#nextEntry()] satisfies EntryKey);
    for (const key of keys) store.delete(key);
    this.#logSize.set(name, { snapshotBytes: snapshot.byteLength, entries: 0, bytes: 0 });
    this.#holders.compacted(name, holder);
    this.#loadedEntries.delete(name);
  }

  #noteLoaded(name: string, updates: Uint8Array[], entries: string[]): void {
    const size = logSizeOf(updates);
    this.#logSize.set(name, size);
    this.#holders.loaded(name);
    this.#loadedEntries.set(name, new Set(entries));
    if (shouldCompact(size)) {
      this.#write((store) => this.#compact(store, name)).catch(() => {});
    }
  }

  #isOwn(entry: string): boolean {
    return entry.includes(`-${this.#tab}-`);
  }

  #nextEntry(): string {
    // Sortable by time, unique per tab: `<ms>-<tab>-<n>`.
    return `${Date.now().toString(36).padStart(9, '0')}-${this.#tab}-${(this.#counter++).toString(36)}`;
  }

  #write(run: (store: IDBObjectStore) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ run, resolve, reject });
      if (this.#pending.length === 1) queueMicrotask(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      const db = await this.#open();
      const tx = db.transaction(STORE, 'readwrite', { durability: this.#durability });
      const done = transactionDone(tx);
      const store = tx.objectStore(STORE);
      for (const write of batch) write.run(store);
      await done;
      for (const write of batch) write.resolve();
    } catch (error) {
      const failure = storageErrorOf(error, 'save to the local store');
      for (const write of batch) write.reject(failure);
    }
  }

  async #store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    try {
      const db = await this.#open();
      return db.transaction(STORE, mode).objectStore(STORE);
    } catch (error) {
      throw storageErrorOf(error, 'open the local store');
    }
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= openDatabase(this.#factory, this.name, 1, (db) => {
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    });
    this.#db.catch(() => {
      this.#db = undefined;
    });
    return this.#db;
  }
}

/** Every key of one document: `[name]` sorts before `[name, anything]`, and `[name, []]` after every string. */
const rangeOf = (name: string) => IDBKeyRange.bound([name], [name, []]);
