import { PREFERRED_TRIM_SIZE } from 'y-indexeddb';
import { compactUpdates } from './compaction.js';
import { defaultIndexedDB, openDatabase, requestResult, storageErrorOf, transactionDone } from './idb.js';
import type { LocalStorage, StoredDocument } from './LocalStorage.js';

export interface YIndexedDBStorageOptions {
  /** The IndexedDB factory (default: the global `indexedDB`). */
  indexedDB?: IDBFactory;
  /** Which databases are documents of this app (default: names of the form `<collection>/<id>` or `~…`). */
  isDocument?: (databaseName: string) => boolean;
}

// y-indexeddb's layout: one database per document, named after it, holding these two stores.
const UPDATES = 'updates';
const CUSTOM = 'custom';

/**
 * Documents stored the way y-indexeddb stores them: one database per document, an auto-incremented log of
 * updates, trimmed into one snapshot after PREFERRED_TRIM_SIZE entries. An app that already keeps Yjs
 * documents with `IndexeddbPersistence` can open them with Ferry, and the reverse.
 *
 * It is slower to open than `IndexedDBStorage` with many documents (one database each), and writes to
 * different documents are separate transactions.
 */
export class YIndexedDBStorage implements LocalStorage {
  readonly #factory: IDBFactory;
  readonly #isDocument: (name: string) => boolean;
  readonly #dbs = new Map<string, Promise<IDBDatabase>>();
  /** Databases this instance created by opening them, not yet written to. */
  readonly #created = new Set<string>();

  constructor(options: YIndexedDBStorageOptions = {}) {
    this.#factory = options.indexedDB ?? defaultIndexedDB();
    this.#isDocument =
      options.isDocument ?? ((name) => name.startsWith('~') || /^[A-Za-z][\w-]*\/.+$/.test(name));
  }

  async loadAll(): Promise<StoredDocument[]> {
    let databases: IDBDatabaseInfo[];
    try {
      databases = await this.#factory.databases();
    } catch (error) {
      throw storageErrorOf(error, 'list the local databases');
    }
    const names = databases
      .map((d) => d.name)
      .filter((n): n is string => n !== undefined && this.#isDocument(n));
    return Promise.all(names.map(async (name) => ({ name, updates: await this.load(name) })));
  }

  async load(name: string): Promise<Uint8Array[]> {
    try {
      const db = await this.#open(name);
      // Opening created the database: the document is not stored, and must not seem to be from now on.
      if (this.#created.delete(name)) {
        await this.remove(name);
        return [];
      }
      const store = db.transaction(UPDATES, 'readonly').objectStore(UPDATES);
      return (await requestResult(store.getAll())) as Uint8Array[];
    } catch (error) {
      throw storageErrorOf(error, `read "${name}"`);
    }
  }

  async append(name: string, update: Uint8Array): Promise<void> {
    const bytes = update.slice();
    try {
      const db = await this.#open(name);
      this.#created.delete(name);
      const tx = db.transaction(UPDATES, 'readwrite');
      const done = transactionDone(tx);
      const store = tx.objectStore(UPDATES);
      store.add(bytes);
      const count = store.count();
      count.onsuccess = () => {
        if (count.result >= PREFERRED_TRIM_SIZE) trim(store);
      };
      await done;
    } catch (error) {
      throw storageErrorOf(error, `save "${name}"`);
    }
  }

  async remove(name: string): Promise<void> {
    const db = this.#dbs.get(name);
    this.#dbs.delete(name);
    (await db?.catch(() => undefined))?.close();
    try {
      await requestResult(this.#factory.deleteDatabase(name));
    } catch (error) {
      throw storageErrorOf(error, `delete "${name}"`);
    }
  }

  async close(): Promise<void> {
    const dbs = [...this.#dbs.values()];
    this.#dbs.clear();
    for (const db of await Promise.allSettled(dbs)) if (db.status === 'fulfilled') db.value.close();
  }

  #open(name: string): Promise<IDBDatabase> {
    let db = this.#dbs.get(name);
    if (!db) {
      db = openDatabase(this.#factory, name, 1, (created, oldVersion) => {
        if (oldVersion === 0) this.#created.add(name);
        if (!created.objectStoreNames.contains(UPDATES))
          created.createObjectStore(UPDATES, { autoIncrement: true });
        if (!created.objectStoreNames.contains(CUSTOM)) created.createObjectStore(CUSTOM);
      });
      this.#dbs.set(name, db);
      db.catch(() => this.#dbs.delete(name));
    }
    return db;
  }
}

/** Replaces the log with one snapshot inside the caller's transaction, as y-indexeddb's storeState does. */
function trim(store: IDBObjectStore): void {
  const keys = store.getAllKeys();
  const values = store.getAll();
  values.onsuccess = () => {
    store.add(compactUpdates(values.result as Uint8Array[]));
    for (const key of keys.result) store.delete(key);
  };
}
