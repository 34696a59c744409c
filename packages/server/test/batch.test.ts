import { defineCollection, MemoryStorage, t } from '@ferry/core';
import { describe, expect, it, vi } from 'vitest';
import { startClient, startRelay } from './helpers.js';
import { recordingTransport } from './transport.js';

const items = defineCollection('items', { title: t.string(), n: t.number() });

describe('many records over one socket', () => {
  it('syncs 1,000 records with one batched handshake, then resumes with only what changed', async () => {
    const relay = await startRelay();
    const writer = await startClient(relay);
    const writerItems = writer.collection(items);
    for (let i = 0; i < 1000; i++) void writerItems.create({ title: `item ${i}`, n: i }, { id: `i${i}` });
    await writer.whenSynced();

    const device = new MemoryStorage();
    const wire = recordingTransport();
    const reader = await startClient(relay, { storage: device, transport: wire.transport });
    const readerItems = reader.collection(items);
    await reader.whenSynced();
    expect(readerItems.list()).toHaveLength(1000);
    expect(readerItems.get('i999')?.value).toEqual({ id: 'i999', title: 'item 999', n: 999 });
    const subscribes = wire.sent.filter((m) => m.type === 'subscribe');
    expect(subscribes).toHaveLength(1);
    const syncFrames = wire.received.filter((m) => m.type === 'sync');
    expect(syncFrames.flatMap((m) => (m.type === 'sync' ? m.items : [])).length).toBe(1000);
    await reader.close();

    // 1% of the records change while the reader is away.
    for (let i = 0; i < 10; i++) void writerItems.update(`i${i * 100}`, { n: -i - 1 });
    await writer.whenSynced();

    wire.reset();
    const back = await startClient(relay, { storage: device, transport: wire.transport });
    const backItems = back.collection(items);
    expect(backItems.get('i500')?.get('n')).toBe(500);
    await back.whenSynced();
    expect(backItems.get('i500')?.get('n')).toBe(-6);
    const resumed = wire.received.flatMap((m) => (m.type === 'sync' ? m.items : []));
    expect(new Set(resumed.map((i) => i.name))).toEqual(
      new Set([...Array(10).keys()].map((i) => `items/i${i * 100}`)),
    );
    expect(wire.bytesReceived).toBeLessThan(20_000);
  });

  it('stores the cursors that arrive live, so a client that saw changes as they happened resumes without them', async () => {
    const relay = await startRelay();
    const writer = await startClient(relay);
    const writerItems = writer.collection(items);
    const device = new MemoryStorage();
    const live = recordingTransport();
    const reader = await startClient(relay, { storage: device, transport: live.transport });
    reader.collection(items);
    await reader.whenSynced();
    for (let i = 0; i < 50; i++) await writerItems.create({ title: `item ${i}`, n: i }, { id: `i${i}` });
    await writer.whenSynced();
    // The collection's head, from the change feed: the reader is up to date once it has been told it.
    const head = (
      (await (await fetch(`${relay.httpUrl}/api/collections/items/changes`)).json()) as { cursor: string }
    ).cursor;
    await vi.waitFor(() =>
      expect(live.received.some((m) => m.type === 'cursor' && m.cursor === head)).toBe(true),
    );
    await reader.close();

    const wire = recordingTransport();
    const back = await startClient(relay, { storage: device, transport: wire.transport });
    const backItems = back.collection(items);
    await back.whenSynced();
    expect(backItems.list()).toHaveLength(50);
    expect(wire.received.flatMap((m) => (m.type === 'sync' ? m.items : []))).toEqual([]);
  });
});
