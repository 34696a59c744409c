import { silentLogger } from '@ferry/core';
import { MemoryServerStorage } from '@ferry/server';
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { CollectionFeed, type CollectionSubscriber } from '../src/documents/CollectionFeed.js';

function update(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('body').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** A store holding two updates another node committed (cursors 1 and 2), whose messages never arrived. */
async function twoUpdatesFromAnotherNode(): Promise<MemoryServerStorage> {
  const storage = new MemoryServerStorage();
  await storage.append([
    { name: 'notes/a', collection: 'notes', update: update('one'), actor: 'x', at: 1 },
    { name: 'notes/b', collection: 'notes', update: update('two'), actor: 'x', at: 2 },
  ]);
  return storage;
}

/** A subscriber that records what reaches it, in order. */
function recorder(): CollectionSubscriber & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    deliver: (name) => events.push(`update ${name}`),
    deliverAwareness: () => {},
    deliverCursor: (_collection, cursor) => events.push(`cursor ${cursor}`),
  };
}

describe('CollectionFeed', () => {
  it('tells a cursor only after the updates it read back from storage reached the subscribers', async () => {
    const storage = await twoUpdatesFromAnotherNode();
    const subscriber = recorder();
    // Delivering a read-back update takes a while (the hub may have to wait for the document to load).
    const redeliver = async (name: string) => {
      await new Promise((resolve) => setImmediate(resolve));
      subscriber.deliver(name, new Uint8Array());
    };
    const feed = new CollectionFeed('notes', '', storage, redeliver, 200, silentLogger);
    feed.subscribers.add(subscriber);

    await feed.catchUp();
    await vi.waitFor(() => expect(subscriber.events).toHaveLength(3));

    // A client told the cursor first, then cut off, would resume after updates it never received.
    expect(subscriber.events).toEqual(['update notes/a', 'update notes/b', 'cursor 2']);
    feed.close();
  });

  it('reads back what is missing before an update that arrived out of order', async () => {
    const storage = await twoUpdatesFromAnotherNode();
    const subscriber = recorder();
    const redeliver = async (name: string) => subscriber.deliver(name, new Uint8Array());
    const feed = new CollectionFeed('notes', '', storage, redeliver, 10, silentLogger);
    feed.subscribers.add(subscriber);

    // Cursor 2 arrives; cursor 1 never does. After the gap timeout the feed reads 1 back.
    feed.saw('2');
    expect(subscriber.events).toEqual([]);
    await vi.waitFor(() => expect(subscriber.events).toEqual(['update notes/a', 'cursor 2']));
    expect(feed.has('1')).toBe(true);
    feed.close();
  });
});
