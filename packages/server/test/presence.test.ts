/**
 * Presence (awareness) states are checked when the relay receives them: too large, too deep or from too many
 * client ids on one connection, they close that connection and are neither stored nor forwarded, so nothing
 * the relay later encodes for a joiner can throw.
 */
import { CloseCode } from '@ferry/core';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Fanout, FanoutListeners } from '../src/fanout/Fanout.js';
import { encodePresence } from '../src/presence/encodePresence.js';
import { onCleanup, startRelay, tempDir } from './helpers.js';
import { spawnRelay } from './process.js';
import { RawClient } from './rawClient.js';

/** An awareness update (y-protocols format) with these states given as JSON text. */
function awarenessUpdate(entries: [clientId: number, clock: number, json: string][]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const [clientId, clock, json] of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, json);
  }
  return encoding.toUint8Array(e);
}

/** JSON nested `depth` arrays deep: 2 bytes per level. */
const deepJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A y-websocket frame: message type, optional sync step, payload. */
function yFrame(type: number, sub: number | undefined, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  if (sub !== undefined) encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}
const yAwareness = (update: Uint8Array) => yFrame(1, undefined, update);

/** A bare y-websocket client: every frame it receives, and its close. */
async function yClient(url: string) {
  const socket = new WebSocket(url);
  onCleanup(() => socket.terminate());
  const frames: Uint8Array[] = [];
  let closed: { code: number; reason: string } | undefined;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const resolve of waiters.splice(0)) resolve();
  };
  socket.on('message', (data: Buffer) => {
    frames.push(new Uint8Array(data));
    wake();
  });
  socket.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() };
    wake();
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', () => reject(new Error('closed before it opened')));
  });
  const client = {
    socket,
    frames,
    get closed() {
      return closed;
    },
    /** Resolves once a received frame matches, or rejects if the socket closes first. */
    async next(match: (frame: Uint8Array) => boolean): Promise<Uint8Array> {
      for (;;) {
        const found = frames.find(match);
        if (found) return found;
        if (closed) throw new Error(`closed (${closed.code} ${closed.reason}) first`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async whenClosed(): Promise<{ code: number; reason: string }> {
      while (!closed) await new Promise<void>((resolve) => waiters.push(resolve));
      return closed;
    },
  };
  return client;
}
const isSyncStep1 = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 0;
const isSyncStep2 = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 1;
const isAwareness = (frame: Uint8Array) => frame[0] === 1;
const emptyStateVector = () => Y.encodeStateVector(new Y.Doc());

/** A /sync client subscribed to one document, once the relay has sent it everything (presence included). */
async function syncClient(url: string, name: string): Promise<RawClient> {
  const client = await RawClient.hello(url);
  client.send({
    type: 'subscribe',
    id: 1,
    collections: [],
    documents: [{ name, stateVector: new Uint8Array() }],
  });
  // Handled in order: the pong comes after the subscription's answer and the presence already there.
  client.send({ type: 'ping', id: 1 });
  await client.next('pong');
  return client;
}

describe('presence states the relay receives', () => {
  it('a state nested 100,000 deep set over /y/ neither ends the relay process nor reaches the next reader', {
    timeout: 30_000,
  }, async () => {
    const relay = await spawnRelay(tempDir());
    const writer = await yClient(`${relay.url}/y/notes/deep`);
    await writer.next(isSyncStep1);
    writer.socket.send(yAwareness(awarenessUpdate([[7, 1, deepJson(100_000)]])));
    // The next client to open the record: before the check, the relay stringified the state for it and died.
    const reader = await yClient(`${relay.url}/y/notes/deep`);
    reader.socket.send(yFrame(0, 0, emptyStateVector()));
    await reader.next(isSyncStep2);
    expect(reader.frames.filter(isAwareness)).toEqual([]);
    expect((await writer.whenClosed()).code).toBe(CloseCode.PresenceTooLarge);
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    expect(relay.child.exitCode).toBe(null);
  });

  it('a /sync joiner of a record whose writer sent a state nested 100,000 deep is served; the writer is closed', async () => {
    const relay = await startRelay();
    const writer = await syncClient(relay.url, 'notes/deep');
    writer.send({
      type: 'awareness',
      name: 'notes/deep',
      update: awarenessUpdate([[7, 1, deepJson(100_000)]]),
    });
    // Before the check, the joiner's subscription made the relay stringify the state, and it was cut with 4000.
    const joiner = await syncClient(relay.url, 'notes/deep');
    expect(joiner.closed).toBeUndefined();
    expect(joiner.messages.filter((m) => m.type === 'awareness')).toEqual([]);
    expect((await writer.whenClosed()).code).toBe(CloseCode.PresenceTooLarge);
  });

  it('closes a connection whose state is too long or too deep, and stores and forwards nothing of it', async () => {
    const relay = await startRelay({ limits: { maxPresenceBytes: 1000, maxPresenceDepth: 8 } });
    const bystander = await syncClient(relay.url, 'notes/p');
    const cases: [string, string][] = [
      ['too long', JSON.stringify({ name: 'x'.repeat(1000) })],
      ['too deep', deepJson(9)],
      ['too deep inside a long string', `{"s":"${'['.repeat(900)}","a":${deepJson(9)}}`],
    ];
    for (const [what, json] of cases) {
      const sync = await syncClient(relay.url, 'notes/p');
      sync.send({ type: 'awareness', name: 'notes/p', update: awarenessUpdate([[11, 1, json]]) });
      expect((await sync.whenClosed()).code, `/sync, ${what}`).toBe(CloseCode.PresenceTooLarge);
      const y = await yClient(`${relay.url}/y/notes/p`);
      y.socket.send(yAwareness(awarenessUpdate([[12, 1, json]])));
      expect((await y.whenClosed()).code, `/y/, ${what}`).toBe(CloseCode.PresenceTooLarge);
    }
    // Within the limits, a state is kept and forwarded: exactly at the length and depth allowed.
    const fits = JSON.stringify({ a: { b: [[[[[[1]]]]]] }, s: 'y'.repeat(968) });
    expect(new TextEncoder().encode(fits).byteLength).toBe(1000);
    const writer = await syncClient(relay.url, 'notes/p');
    writer.send({ type: 'awareness', name: 'notes/p', update: awarenessUpdate([[13, 1, fits]]) });
    const forwarded = await bystander.next('awareness');
    expect(forwarded.update).toEqual(awarenessUpdate([[13, 1, fits]]));
    const joiner = await syncClient(relay.url, 'notes/p');
    expect(joiner.messages.filter((m) => m.type === 'awareness').map((m) => m.update)).toEqual([
      awarenessUpdate([[13, 1, fits]]),
    ]);
    expect(bystander.messages.filter((m) => m.type === 'awareness')).toHaveLength(1);
    expect(writer.closed).toBeUndefined();
  });

  it('closes a connection that names more client ids on one document than allowed, removals included', async () => {
    const relay = await startRelay({ limits: { maxPresenceClients: 3 } });
    const bystander = await syncClient(relay.url, 'notes/c');
    const sync = await syncClient(relay.url, 'notes/c');
    sync.send({
      type: 'awareness',
      name: 'notes/c',
      update: awarenessUpdate([
        [1, 1, '{}'],
        [2, 1, 'null'],
      ]),
    });
    // The same ids again, and a third: still within the limit.
    sync.send({
      type: 'awareness',
      name: 'notes/c',
      update: awarenessUpdate([
        [1, 2, 'null'],
        [3, 1, '{}'],
      ]),
    });
    sync.send({ type: 'ping', id: 2 });
    await sync.next('pong', (m) => m.id === 2);
    sync.send({ type: 'awareness', name: 'notes/c', update: awarenessUpdate([[4, 1, '{}']]) });
    expect((await sync.whenClosed()).code).toBe(CloseCode.PresenceTooLarge);
    const y = await yClient(`${relay.url}/y/notes/c`);
    y.socket.send(
      yAwareness(
        awarenessUpdate([
          [5, 1, '{}'],
          [6, 1, '{}'],
          [7, 1, '{}'],
          [8, 1, '{}'],
        ]),
      ),
    );
    expect((await y.whenClosed()).code).toBe(CloseCode.PresenceTooLarge);
    // Client 4 and clients 5 to 8 never reached the bystander; 1 to 3 did, and left with their connection.
    const named = new Set<number>();
    for (const m of bystander.messages)
      if (m.type === 'awareness') for (const id of clientIds(m.update)) named.add(id);
    expect([...named].sort()).toEqual([1, 2, 3]);
  });

  it('closes a connection that sends a malformed awareness update with BadFrame, applying none of it', async () => {
    const relay = await startRelay();
    const bystander = await syncClient(relay.url, 'notes/m');
    const truncated = awarenessUpdate([[1, 1, '{}']]).subarray(0, 4);
    const notJson = awarenessUpdate([
      [1, 1, '{}'],
      [2, 1, '{nope'],
    ]);
    for (const update of [truncated, notJson]) {
      const sync = await syncClient(relay.url, 'notes/m');
      sync.send({ type: 'awareness', name: 'notes/m', update });
      expect((await sync.whenClosed()).code).toBe(CloseCode.BadFrame);
    }
    const joiner = await syncClient(relay.url, 'notes/m');
    expect(joiner.messages.filter((m) => m.type === 'awareness')).toEqual([]);
    expect(bystander.messages.filter((m) => m.type === 'awareness')).toEqual([]);
  });
});

describe('presence the relay holds', () => {
  it('from another relay node: checked against the same limits before it is applied or delivered', async () => {
    let fromNodes: FanoutListeners | undefined;
    const fanout: Fanout = {
      node: 'here',
      publishUpdate() {},
      publishAwareness() {},
      listen: (listeners) => {
        fromNodes = listeners;
      },
      close: async () => {},
    };
    const relay = await startRelay({ fanout, limits: { maxPresenceDepth: 8 } });
    const bystander = await syncClient(relay.url, 'notes/n');
    fromNodes!.awareness({ name: 'notes/n', update: awarenessUpdate([[21, 1, deepJson(100_000)]]) });
    fromNodes!.awareness({ name: 'notes/n', update: awarenessUpdate([[22, 1, deepJson(9)]]) });
    fromNodes!.awareness({ name: 'notes/n', update: awarenessUpdate([[23, 1, '{"name":"fine"}']]) });
    await bystander.next('awareness');
    const joiner = await syncClient(relay.url, 'notes/n');
    for (const client of [bystander, joiner]) {
      const updates = client.messages.filter((m) => m.type === 'awareness').map((m) => m.update);
      expect(updates).toEqual([awarenessUpdate([[23, 1, '{"name":"fine"}']])]);
    }
  });

  it('encoding presence for a joiner cannot throw, whatever a state holds', () => {
    const awareness = new Awareness(new Y.Doc());
    onCleanup(() => awareness.destroy());
    let deep: unknown = null;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    awareness.states.set(1, { deep });
    awareness.meta.set(1, { clock: 3, lastUpdated: 0 });
    awareness.states.set(2, { cyclic, big: 1n });
    awareness.meta.set(2, { clock: 4, lastUpdated: 0 });
    awareness.states.set(3, { name: 'fine' });
    awareness.meta.set(3, { clock: 5, lastUpdated: 0 });
    // Client 4 has no clock at all: y-protocols' encoder throws a TypeError on it.
    expect(() => encodeAwarenessUpdate(awareness, [1])).toThrow(RangeError);
    expect(() => encodeAwarenessUpdate(awareness, [4])).toThrow(TypeError);
    expect(encodePresence(awareness, [1, 2, 3, 4])).toEqual(
      awarenessUpdate([
        [1, 3, 'null'],
        [2, 4, 'null'],
        [3, 5, '{"name":"fine"}'],
      ]),
    );
  });
});

/** The client ids an awareness update names. */
function clientIds(update: Uint8Array): number[] {
  const d = decoding.createDecoder(update);
  const ids: number[] = [];
  for (let count = decoding.readVarUint(d); count > 0; count--) {
    ids.push(decoding.readVarUint(d));
    decoding.readVarUint(d);
    decoding.readVarString(d);
  }
  return ids;
}
