import { silentLogger } from '@ferry/core';
import { MemoryServerStorage, SqliteStorage } from '@ferry/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { type CollectionSubscriber, DocumentHub } from '../src/documents/DocumentHub.js';
import type { Subscriber } from '../src/documents/LoadedDocument.js';
import type { Fanout } from '../src/fanout/Fanout.js';
import { Metrics } from '../src/Metrics.js';
import { tempDir } from './helpers.js';

const listener: Subscriber = { deliver() {}, deliverAwareness() {} };

function hub(storage: SqliteStorage | MemoryServerStorage, idleUnloadMs: number, fanout?: Fanout) {
  return new DocumentHub(
    storage,
    {
      idleUnloadMs,
      compactAfterEntries: 500,
      compactAfterBytes: 1 << 20,
      maxPendingCommitBytes: 1 << 26,
      gapTimeoutMs: 200,
      headCheckMs: 50,
      historyMs: 0,
      now: Date.now,
    },
    new Metrics(),
    silentLogger,
    fanout,
  );
}

/** A link between nodes that loses every message, and never reconnects to say so. */
function losingFanout(node: string): Fanout {
  return {
    node,
    publishUpdate() {},
    publishAwareness() {},
    listen() {},
    close: async () => {},
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the document hub', () => {
  it('keeps memory bounded: of 100,000 stored documents only those in use are loaded, then unloaded', async () => {
    const storage = new SqliteStorage({ path: tempDir(), synchronous: 'normal' });
    const doc = new Y.Doc();
    doc.getMap('fields').set('title', 'stored');
    const update = Y.encodeStateAsUpdate(doc);
    const entries = Array.from({ length: 100_000 }, (_, i) => ({
      name: `items/i${i}`,
      collection: 'items',
      update,
      actor: 'seed',
      at: 0,
    }));
    await storage.append(entries);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const relay = hub(storage, 30_000);
    const open = await Promise.all(Array.from({ length: 300 }, (_, i) => relay.open(`items/i${i * 333}`)));
    for (const document of open) relay.subscribe(document, listener);
    expect(relay.loadedCount).toBe(300);
    expect(open[5]!.doc.getMap('fields').get('title')).toBe('stored');

    for (const document of open.slice(0, 200)) relay.unsubscribe(document, listener);
    vi.advanceTimersByTime(29_999);
    expect(relay.loadedCount).toBe(300);
    vi.advanceTimersByTime(1);
    expect(relay.loadedCount).toBe(100);
    await relay.close();
    await storage.close();
  });

  it('with several nodes, an update whose message was lost reaches this node by comparing heads', async () => {
    const storage = new MemoryServerStorage();
    const nodeA = hub(storage, 30_000, losingFanout('a'));
    const nodeB = hub(storage, 30_000, losingFanout('b'));
    const received: string[] = [];
    const follower: CollectionSubscriber = {
      deliver: (name) => received.push(name),
      deliverAwareness() {},
      deliverCursor() {},
    };
    await nodeB.subscribeCollection('items', follower);

    const doc = new Y.Doc();
    doc.getMap('fields').set('title', 'written on A');
    const applied = await nodeA.apply('items/x', Y.encodeStateAsUpdate(doc), null, { id: 'writer' });
    await applied.committed;

    // No later change reveals the gap; node B's periodic look at storage's head finds it.
    await vi.waitFor(() => expect(received).toEqual(['items/x']));
    await nodeA.close();
    await nodeB.close();
  });
});
