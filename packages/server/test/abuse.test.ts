import { CloseCode, defineCollection, encodeClientMessage, PROTOCOL_VERSION, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay } from './helpers.js';
import { RawClient } from './rawClient.js';

const notes = defineCollection('notes', { title: t.string().default('') });

function update(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

/** The round trip of a write by a well-behaved client: it must stay short while others misbehave. */
async function bystanderWrites(relay: { url: string }) {
  const client = await startClient(relay);
  const collection = client.collection(notes);
  await client.whenSynced();
  const record = await collection.create({ title: 'calm' });
  await record.whenSaved();
  for (let i = 0; i < 5; i++) {
    await record.set('title', `calm ${i}`);
    await record.whenSaved();
  }
  return record.status;
}

describe('resource abuse', () => {
  it('cuts off a client that never reads, and the others carry on', async () => {
    const relay = await startRelay({ limits: { maxBufferedBytes: 256 * 1024 } });
    // A client that follows a busy collection and then stops reading from its socket.
    const lazy = new WebSocket(`${relay.url}/sync`);
    onCleanup(() => lazy.terminate());
    await new Promise((resolve) => lazy.once('open', resolve));
    lazy.send(encodeClientMessage({ type: 'hello', version: PROTOCOL_VERSION, token: '' }, 1));
    lazy.send(
      encodeClientMessage(
        {
          type: 'subscribe',
          id: 1,
          collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
          documents: [],
        },
        2,
      ),
    );
    await new Promise((resolve) => lazy.once('message', resolve));
    const socket = (lazy as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const closed = new Promise<number>((resolve) => lazy.once('close', (code) => resolve(code)));
    // Enough to fill the kernel's buffers on both sides and then the relay's own.
    const writer = await RawClient.hello(relay.url);
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 250; i++) {
      writer.send({ type: 'push', id: i + 1, items: [{ name: `notes/n${i}`, update: update(big + i) }] });
      await writer.next('ack', (m) => m.id === i + 1);
    }
    // The relay has given up on the lazy client; it sees the close once it reads again.
    socket.resume();
    expect(await closed).toBe(CloseCode.SlowConsumer);
    expect(await bystanderWrites(relay)).toBe('saved');
  }, 30_000);

  it('refuses a connection that subscribes to too many documents', async () => {
    const relay = await startRelay({ limits: { maxDocumentsPerConnection: 1000 } });
    const greedy = await RawClient.hello(relay.url);
    const documents = Array.from({ length: 100_000 }, (_, i) => ({
      name: `notes/d${i}`,
      stateVector: new Uint8Array(),
    }));
    // 100,000 documents do not fit one frame: send them in frames of 10,000.
    for (let i = 0; i < documents.length && !greedy.closed; i += 10_000) {
      greedy.send({
        type: 'subscribe',
        id: i + 1,
        collections: [],
        documents: documents.slice(i, i + 10_000),
      });
    }
    const closed = await greedy.whenClosed();
    expect(closed.code).toBe(CloseCode.TooManyDocuments);
    expect(closed.reason).toMatch(/subscribe to the collection/);
    expect(await bystanderWrites(relay)).toBe('saved');
  });

  it('cuts off a client that floods updates, with a clear reason', async () => {
    const relay = await startRelay({ limits: { updatesPerSecond: 50, rateBurst: 100 } });
    const flood = await RawClient.hello(relay.url);
    for (let i = 0; i < 500 && !flood.closed; i++) {
      flood.send({ type: 'push', id: i + 1, items: [{ name: 'notes/flood', update: update(`f${i}`) }] });
    }
    const closed = await flood.whenClosed();
    expect(closed.code).toBe(CloseCode.RateLimited);
    expect(closed.reason).toMatch(/per second/);
    expect(await bystanderWrites(relay)).toBe('saved');
  });
});
