/** Promise helpers over the IndexedDB request and transaction events. */
import { StorageError } from '../errors.js';

export const requestResult = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

export const transactionDone = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('The transaction was aborted', 'AbortError'));
  });

export function openDatabase(
  factory: IDBFactory,
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, oldVersion: number) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, version);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    request.onsuccess = () => {
      const db = request.result;
      // Another tab upgrading the schema asks us to let go; reopening picks up the new version.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () =>
      reject(
        new StorageError(
          `IndexedDB database "${name}" is held open by an older version of this app in another tab.`,
        ),
      );
  });
}

/** Turns an IndexedDB failure into a StorageError that says what to do. */
export function storageErrorOf(error: unknown, action: string): StorageError {
  if (error instanceof StorageError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === 'QuotaExceededError') {
    return new StorageError(
      `Could not ${action}: the device's storage for this site is full. Free some space or delete old data; changes are kept in memory until then.`,
      { cause: error },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(`Could not ${action} in IndexedDB: ${reason}`, { cause: error });
}

export function defaultIndexedDB(): IDBFactory {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) {
    throw new StorageError(
      'IndexedDB is not available here. In Node, use storage: "memory" or load fake-indexeddb for tests.',
    );
  }
  return factory;
}
