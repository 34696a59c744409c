/**
 * A push the relay answers "incomplete" (it builds on changes the relay lacks) is not a refusal: the client
 * keeps the change, sends the record again as a diff from the relay's state vector a bounded number of
 * times, then says why it stays unsaved; a later complete push saves it. On a fake relay and clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  createFerry,
  decodeClientMessage,
  defineCollection,
  encodeServerMessage,
  type FerryClient,
  MemoryStorage,
  PROTOCOL_VERSION,
  type RejectedChange,
  type ServerMessage,
  type Transport,
  t,
} from '../src/index.js';
import { MAX_INCOMPLETE_ANSWERS } from '../src/sync/IncompletePushes.js';

const notes = defineCollection('notes', { title: t.string() });

/** Pushes of `notes/n1` are incomplete (the relay holds only `relayHolds` of it) until `complete`. */
function fakeRelay(relayHolds: Y.Doc) {
  const relay = { pushes: [] as Uint8Array[], complete: false, connections: 0 };
  const transport: Transport = {
    connect(_url, events) {
      relay.connections++;
      let seq = 0;
      const answer = (message: ServerMessage) =>
        setTimeout(() => events.message(encodeServerMessage(message, ++seq)), 1);
      setTimeout(() => events.open(), 1);
      return {
        send(frame) {
          const { message } = decodeClientMessage(frame);
          if (message.type === 'hello')
            answer({ type: 'welcome', version: PROTOCOL_VERSION, principal: 'ana', maxFrameBytes: 1 << 20 });
          if (message.type === 'subscribe')
            answer({ type: 'sync', id: message.id, items: [], cursors: [], stateVectors: [], done: true });
          if (message.type === 'ping') answer({ type: 'pong', id: message.id });
          if (message.type !== 'push') return;
          for (const item of message.items) relay.pushes.push(item.update);
          const incomplete = relay.complete
            ? []
            : message.items.map((item) => ({
                name: item.name,
                stateVector: Y.encodeStateVector(relayHolds),
              }));
          answer({ type: 'ack', id: message.id, refused: [], incomplete });
        },
        close: (code = 1000, reason = '') => events.close(code, reason),
      };
    },
  };
  return { relay, transport };
}

let client: FerryClient | undefined;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  vi.useRealTimers();
});

describe('incomplete pushes', () => {
  it('are sent again as a diff from the relay’s state vector, a bounded number of times, never rolled back', async () => {
    const { relay, transport } = fakeRelay(new Y.Doc());
    client = await createFerry({ storage: new MemoryStorage(), url: 'ws://relay.test', transport });

    const rejected: RejectedChange[] = [];
    client.sync!.on('rejected', (change) => rejected.push(change));
    const record = await client.collection(notes).create({ title: 'kept' }, { id: 'n1' });
    await vi.advanceTimersByTimeAsync(60_000);

    // The first push, then one answer to each incomplete ack, then no more on this connection.
    expect(relay.connections).toBe(1);
    expect(relay.pushes).toHaveLength(1 + MAX_INCOMPLETE_ANSWERS);
    // Each answer is the whole record: the relay said it holds nothing of it.
    const whole = Y.encodeStateAsUpdate(record.doc, Y.encodeStateVector(new Y.Doc()));
    for (const update of relay.pushes.slice(1)) expect(update).toEqual(whole);
    expect(rejected).toEqual([]);
    expect(record.get('title')).toBe('kept');
    expect(record.status).toBe('local');
    expect(client.sync!.status).toMatchObject({ state: 'syncing', pending: 1 });
    expect(client.sync!.status.error).toMatch(/notes\/n1 build on/);

    // A new connection tries again; complete, it is saved and the error goes.
    relay.complete = true;
    client.sync!.disconnect();
    client.sync!.connect();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(record.status).toBe('saved');
    expect(client.sync!.status).toMatchObject({ state: 'synced', pending: 0, error: undefined });
  });
});
