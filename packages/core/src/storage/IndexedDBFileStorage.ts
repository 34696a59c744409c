import type { FileStorage } from './FileStorage.js';
import { defaultIndexedDB, openDatabase, requestResult, storageErrorOf, transactionDone } from './idb.js';

const STORE = 'files';

/**
 * File bytes in an IndexedDB database of their own (`<name>-files`), one entry per hash, so that the record
 * database never has to be upgraded for them and reading records never reads file bytes.
 */
export class IndexedDBFileStorage implements FileStorage {
  readonly #factory: IDBFactory;
  readonly #name: string;
  #db: Promise<IDBDatabase> | undefined;

  constructor(options: { name?: string; indexedDB?: IDBFactory } = {}) {
    this.#name = `${options.name ?? 'ferry'}-files`;
    this.#factory = options.indexedDB ?? defaultIndexedDB();
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    const store = await this.#store('readonly');
    const value = await requestResult(store.get(hash)).catch((error) =>
      Promise.reject(storageErrorOf(error, 'read a file from the local store')),
    );
    return value === undefined ? undefined : new Uint8Array(value as ArrayBuffer | Uint8Array);
  }

  async put(hash: string, bytes: Uint8Array): Promise<void> {
    try {
      const db = await this.#open();
      const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
      const done = transactionDone(tx);
      tx.objectStore(STORE).put(bytes.slice(), hash);
      await done;
    } catch (error) {
      throw storageErrorOf(error, 'save a file to the local store');
    }
  }

  async remove(hash: string): Promise<void> {
    try {
      const db = await this.#open();
      const tx = db.transaction(STORE, 'readwrite');
      const done = transactionDone(tx);
      tx.objectStore(STORE).delete(hash);
      await done;
    } catch (error) {
      throw storageErrorOf(error, 'remove a file from the local store');
    }
  }

  async hashes(): Promise<string[]> {
    const store = await this.#store('readonly');
    return (await requestResult(store.getAllKeys())) as string[];
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    if (db) (await db.catch(() => undefined))?.close();
  }

  async #store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    try {
      return (await this.#open()).transaction(STORE, mode).objectStore(STORE);
    } catch (error) {
      throw storageErrorOf(error, 'open the local file store');
    }
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= openDatabase(this.#factory, this.#name, 1, (db) => {
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    });
    this.#db.catch(() => {
      this.#db = undefined;
    });
    return this.#db;
  }
}
