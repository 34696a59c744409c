/** Tabs sharing changes over a BroadcastChannel, while they open. */
import { describe, expect, it } from 'vitest';
import { createFerry, defineCollection, type LocalStorage, MemoryStorage, t } from '../src/index.js';

const notes = defineCollection('notes', { title: t.string() });

/** A store whose loadAll reads at once but answers only when released: a tab slow to open. */
function slowToOpen(inner: LocalStorage) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let read: () => void = () => {};
  const wasRead = new Promise<void>((resolve) => {
    read = resolve;
  });
  const storage: LocalStorage = {
    async loadAll() {
      const stored = await inner.loadAll();
      read();
      await released;
      return stored;
    },
    load: (name) => inner.load(name),
    append: (name, update, doc) => inner.append(name, update, doc),
    remove: (name) => inner.remove(name),
    close: () => inner.close(),
  };
  return { storage, release, wasRead };
}

describe('TabChannel', () => {
  it('gives a tab the changes other tabs made while it was reading the store', async () => {
    const shared = new MemoryStorage();
    const channel = `ferry:open-test-${process.pid}`;
    const first = await createFerry({ storage: shared, tabs: channel });
    const slow = slowToOpen(shared);
    const opening = createFerry({ storage: slow.storage, tabs: channel });
    await slow.wasRead;
    // Made and stored after the new tab read the store, before it listens to the other tabs.
    await first.collection(notes).create({ title: 'made meanwhile' }, { id: 'n' });
    await first.flush();
    slow.release();
    const second = await opening;
    const collection = second.collection(notes);
    if (!collection.get('n')) {
      await new Promise<void>((resolve) => {
        const off = collection.on('change', () => {
          if (collection.get('n')) {
            off();
            resolve();
          }
        });
      });
    }
    expect(collection.get('n')?.get('title')).toBe('made meanwhile');
    await second.close();
    await first.close();
  });
});
