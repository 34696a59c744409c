import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { IndexedDBStorage, MemoryStorage, YIndexedDBStorage } from '../src/index.js';
import { COMPACT_AFTER_ENTRIES } from '../src/storage/compaction.js';
import { runLocalStorageTests } from '../src/testing/index.js';

runLocalStorageTests('MemoryStorage', { create: () => new MemoryStorage(), reopen: (store) => store });

const factories = new WeakMap<object, IDBFactory>();
runLocalStorageTests('IndexedDBStorage', {
  create: () => {
    const indexedDB = new IDBFactory();
    const store = new IndexedDBStorage({ indexedDB });
    factories.set(store, indexedDB);
    return store;
  },
  reopen: (store) => new IndexedDBStorage({ indexedDB: factories.get(store)! }),
});

runLocalStorageTests('YIndexedDBStorage', {
  create: () => {
    const indexedDB = new IDBFactory();
    const store = new YIndexedDBStorage({ indexedDB });
    factories.set(store, indexedDB);
    return store;
  },
  reopen: (store) => new YIndexedDBStorage({ indexedDB: factories.get(store)! }),
});

const updateOf = (text: string) => {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
};

/** How many entries a document's log holds in an IndexedDBStorage database. */
async function entryCount(indexedDB: IDBFactory, name: string): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('ferry');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const count = await new Promise<number>((resolve) => {
    const request = db
      .transaction('updates')
      .objectStore('updates')
      .count(IDBKeyRange.bound([name], [name, []]));
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return count;
}

describe('IndexedDBStorage', () => {
  it('writes every append of one tick in one transaction', async () => {
    const indexedDB = new IDBFactory();
    const store = new IndexedDBStorage({ indexedDB });
    await store.loadAll();
    const db = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open('ferry');
      request.onsuccess = () => resolve(request.result);
    });
    const spy = vi.spyOn(Object.getPrototypeOf(db), 'transaction');
    db.close();
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(`notes/${i}`, updateOf(`n${i}`))));
    expect(spy.mock.calls.filter(([, mode]) => mode === 'readwrite')).toHaveLength(1);
    spy.mockRestore();
    await store.close();
  });

  it('compacts a long log into one snapshot', async () => {
    const indexedDB = new IDBFactory();
    const store = new IndexedDBStorage({ indexedDB });
    const doc = new Y.Doc();
    const writes: Promise<void>[] = [];
    doc.on('update', (update: Uint8Array) => writes.push(store.append('notes/a', update)));
    for (let i = 0; i < COMPACT_AFTER_ENTRIES * 3 + 5; i++) doc.getText('t').insert(0, 'x');
    await Promise.all(writes);
    await store.close();
    expect(await entryCount(indexedDB, 'notes/a')).toBeLessThanOrEqual(COMPACT_AFTER_ENTRIES);
    const reopened = new IndexedDBStorage({ indexedDB });
    const loaded = new Y.Doc();
    for (const update of await reopened.load('notes/a')) Y.applyUpdate(loaded, update);
    expect(loaded.getText('t').length).toBe(COMPACT_AFTER_ENTRIES * 3 + 5);
    await reopened.close();
  });

  it('does not grow when opened and read without changes', async () => {
    const indexedDB = new IDBFactory();
    const store = new IndexedDBStorage({ indexedDB });
    await store.append('notes/a', updateOf('a'));
    await store.close();
    for (let i = 0; i < 3; i++) {
      const reopened = new IndexedDBStorage({ indexedDB });
      await reopened.loadAll();
      await reopened.load('notes/a');
      await reopened.close();
    }
    expect(await entryCount(indexedDB, 'notes/a')).toBe(1);
  });

  it('rejects with a StorageError that says the device is full when the quota is exceeded', async () => {
    const indexedDB = new IDBFactory();
    const store = new IndexedDBStorage({ indexedDB });
    await store.loadAll();
    const db = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open('ferry');
      request.onsuccess = () => resolve(request.result);
    });
    const storeProto = Object.getPrototypeOf(db.transaction('updates').objectStore('updates'));
    db.close();
    const put = vi.spyOn(storeProto, 'put').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    await expect(store.append('notes/a', updateOf('a'))).rejects.toMatchObject({
      code: 'storage',
      message: expect.stringContaining('storage for this site is full'),
    });
    put.mockRestore();
    expect(await store.load('notes/a')).toEqual([]);
    await store.close();
  });
});

describe('YIndexedDBStorage', () => {
  it('reads documents that y-indexeddb wrote, and y-indexeddb reads what it wrote', async () => {
    // y-indexeddb uses the global factory (fake-indexeddb/auto).
    const original = new Y.Doc();
    original.getText('t').insert(0, 'from y-indexeddb');
    const persistence = new IndexeddbPersistence('notes/interop', original);
    await persistence.whenSynced;
    await persistence.destroy();

    const store = new YIndexedDBStorage();
    const loaded = new Y.Doc();
    for (const update of await store.load('notes/interop')) Y.applyUpdate(loaded, update);
    expect(loaded.getText('t').toString()).toBe('from y-indexeddb');

    const edit = new Y.Doc();
    Y.applyUpdate(edit, Y.encodeStateAsUpdate(loaded));
    edit.on('update', (update: Uint8Array) => void store.append('notes/interop', update));
    edit.getText('t').insert(0, 'edited by Ferry, ');
    await store.close();
    const store2 = new YIndexedDBStorage();
    await store2.load('notes/interop');
    await store2.close();

    const reread = new Y.Doc();
    const again = new IndexeddbPersistence('notes/interop', reread);
    await again.whenSynced;
    expect(reread.getText('t').toString()).toBe('edited by Ferry, from y-indexeddb');
    await again.destroy();
  });
});
