import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { IndexedDBStorage, MemoryStorage, YIndexedDBStorage } from '../src/index.js';
import { COMPACT_AFTER_ENTRIES, compactUpdates } from '../src/storage/compaction.js';
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

describe('MemoryStorage', () => {
  it('compacts a busy record less often as it grows, and keeps its log within twice the document', async () => {
    const store = new MemoryStorage();
    const doc = new Y.Doc();
    const fields = doc.getMap('fields');
    const meta = doc.getMap('meta');
    const edits = 4000;
    let compactions = 0;
    let longest = 0;
    for (let i = 0; i < edits; i++) {
      // As a record's update does: the field and its metadata, whose overwritten items cannot merge.
      const update = captureUpdate(doc, () => {
        fields.set('score', i);
        meta.set('updatedAt', i);
      });
      const before = (await store.load('contacts/a')).length;
      await store.append('contacts/a', update);
      const log = await store.load('contacts/a');
      if (log.length < before) compactions++;
      longest = Math.max(longest, log.length);
      const logBytes = log.reduce((sum, u) => sum + u.byteLength, 0);
      // Every overwritten value leaves a few bytes in the document: its snapshot grows with each edit.
      if (i % 500 === 499)
        expect(logBytes).toBeLessThanOrEqual(2 * Y.encodeStateAsUpdate(doc).byteLength + 100 * 64);
    }
    // A fixed threshold of 100 entries would have rewritten the whole record 39 times.
    expect(compactions).toBeGreaterThan(0);
    expect(compactions).toBeLessThan(edits / COMPACT_AFTER_ENTRIES / 2);
    expect(longest).toBeGreaterThan(COMPACT_AFTER_ENTRIES);
    const loaded = new Y.Doc();
    Y.applyUpdate(loaded, compactUpdates(await store.load('contacts/a')));
    expect(loaded.getMap('fields').get('score')).toBe(edits - 1);
  });
});

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
    // 305 entries, compacted whenever more than 100 (and as many bytes as the snapshot) were appended.
    expect(await entryCount(indexedDB, 'notes/a')).toBeLessThan(COMPACT_AFTER_ENTRIES * 2);
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

function captureUpdate(doc: Y.Doc, change: () => void): Uint8Array {
  let captured: Uint8Array | undefined;
  const listener = (update: Uint8Array) => {
    captured = update;
  };
  doc.on('update', listener);
  doc.transact(change);
  doc.off('update', listener);
  if (!captured) throw new Error('The change made no update.');
  return captured;
}
