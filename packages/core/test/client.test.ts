import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import {
  createFerry,
  FerryError,
  IndexedDBStorage,
  type LocalStorage,
  MemoryStorage,
  type StorageError,
  YIndexedDBStorage,
} from '../src/index.js';
import { tasks } from './fixtures.js';

/** A store whose writes can be made to fail, like a full disk. */
class FlakyStorage extends MemoryStorage {
  failing = false;
  override async append(name: string, update: Uint8Array): Promise<void> {
    if (this.failing) throw new Error('disk full');
    return super.append(name, update);
  }
}

const stores: [string, () => { open: () => LocalStorage }][] = [
  [
    'MemoryStorage',
    () => {
      const storage = new MemoryStorage();
      return { open: () => storage };
    },
  ],
  [
    'IndexedDBStorage',
    () => {
      const indexedDB = new IDBFactory();
      return { open: () => new IndexedDBStorage({ indexedDB }) };
    },
  ],
  [
    'YIndexedDBStorage',
    () => {
      const indexedDB = new IDBFactory();
      return { open: () => new YIndexedDBStorage({ indexedDB }) };
    },
  ],
];

describe.each(stores)('restart on %s', (_name, backing) => {
  it('restores every record, deletions and text with no network', async () => {
    const device = backing();
    const first = await createFerry({ storage: device.open(), actor: 'ana' });
    const collection = first.collection(tasks);
    await collection.create({ title: 'kept', notes: 'typed offline' }, { id: 'a' });
    await collection.create({ title: 'gone' }, { id: 'b' });
    await collection.delete('b');
    collection.get('a')!.text('notes').insert(0, '» ');
    await first.close();

    const second = await createFerry({ storage: device.open(), actor: 'ana' });
    const reopened = second.collection(tasks);
    expect(reopened.list().map((r) => r.value)).toEqual([
      {
        id: 'a',
        title: 'kept',
        notes: '» typed offline',
        estimate: 1,
        done: false,
        status: 'todo',
        tags: [],
      },
    ]);
    expect(reopened.get('b')).toBeUndefined();
    expect(second.actor).toBe('ana');
    await second.close();
  });

  it('keeps a write whose persistence was awaited, even without close()', async () => {
    const device = backing();
    const first = await createFerry({ storage: device.open() });
    await first.collection(tasks).create({ title: 'awaited' }, { id: 'a' });
    // No close(): the process "dies" here. A new client on the same backing store must see the write.
    const second = await createFerry({ storage: device.open() });
    expect(second.collection(tasks).get('a')?.get('title')).toBe('awaited');
    await second.close();
  });
});

describe('a client', () => {
  it('keeps one device id as the default actor across restarts', async () => {
    const storage = new MemoryStorage();
    const first = await createFerry({ storage });
    await first.close();
    const second = await createFerry({ storage });
    expect(second.actor).toMatch(/^device-[0-9a-z]{16}$/);
    expect(second.actor).toBe(first.actor);
  });

  it('refuses a second, different definition of the same collection', async () => {
    const client = await createFerry({ storage: 'memory' });
    expect(client.collection(tasks)).toBe(client.collection(tasks));
    expect(() => client.collection({ ...tasks })).toThrow(FerryError);
    await client.close();
  });

  it('reports a failing store, keeps the change in memory and writes it once the store works again', async () => {
    const storage = new FlakyStorage();
    const client = await createFerry({ storage, actor: 'ana' });
    const collection = client.collection(tasks);
    const errors: StorageError[] = [];
    client.on('error', (error) => errors.push(error));
    storage.failing = true;
    const write = collection.create({ title: 'precious' }, { id: 'p' });
    await expect(write).rejects.toMatchObject({
      code: 'storage',
      message: expect.stringContaining('disk full'),
    });
    expect(errors).toHaveLength(1);
    expect(collection.get('p')?.get('title')).toBe('precious');
    expect(await storage.load('tasks/p')).toEqual([]);

    storage.failing = false;
    await client.flush();
    const reopened = await createFerry({ storage });
    expect(reopened.collection(tasks).get('p')?.get('title')).toBe('precious');
  });

  it('loses nothing already stored when the store fails', async () => {
    const storage = new FlakyStorage();
    const client = await createFerry({ storage });
    const collection = client.collection(tasks);
    await collection.create({ title: 'before' }, { id: 'a' });
    storage.failing = true;
    await expect(collection.update('a', { title: 'during' })).rejects.toThrow();
    const reopened = await createFerry({ storage });
    expect(reopened.collection(tasks).get('a')?.get('title')).toBe('before');
  });
});
