import { CloseCode, defineCollection, PROTOCOL_VERSION, t } from '@ferry/core';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { crashers, v2Only } from './fixtures/yjsCrashers.js';
import { onCleanup, startClient, startRelay } from './helpers.js';
import { RawClient } from './rawClient.js';

const notes = defineCollection('notes', { title: t.string(), body: t.text().default('') });

/** A relay with one stored record and a client editing it, to check that bad input touches neither. */
async function relayWithBystander() {
  const relay = await startRelay({ limits: { maxFrameBytes: 64 * 1024 } });
  const bystander = await startClient(relay);
  const collection = bystander.collection(notes);
  await collection.create({ title: 'Untouched', body: 'safe' }, { id: 'n1' });
  await bystander.whenSynced();
  const stillWorks = async () => {
    const record = collection.get('n1')!;
    const before = record.get('body');
    await record.set('body', `${before}!`);
    await record.whenSaved();
    const check = await startClient(relay);
    const checked = check.collection(notes);
    await check.whenSynced();
    expect(checked.get('n1')?.value).toMatchObject({ title: 'Untouched', body: `${before}!` });
    expect(checked.list()).toHaveLength(1);
    await check.close();
  };
  return { relay, stillWorks };
}

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

const pushOf = (name: string, update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, 3);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 1);
    encoding.writeVarString(e, name);
    encoding.writeVarUint8Array(e, update);
  });

/** Cases sent exactly as written, without a frame number in front. */
const raw = new Set(['a truncated varint', 'a frame over the size limit']);

describe('malformed frames on /sync', () => {
  const cases: [string, Uint8Array | string, number][] = [
    ['a text frame', 'hello', CloseCode.BadFrame],
    ['a truncated varint', new Uint8Array([0x80]), CloseCode.BadFrame],
    ['an unknown message type', new Uint8Array([42]), CloseCode.BadFrame],
    ['a server message sent by a client', new Uint8Array([64, 1, 0, 0]), CloseCode.BadFrame],
    [
      'a huge declared length',
      frame((e) => {
        encoding.writeVarUint(e, 3);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 2 ** 40);
      }),
      CloseCode.BadFrame,
    ],
    [
      'a list count far beyond the frame',
      frame((e) => {
        encoding.writeVarUint(e, 3);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 2 ** 31);
      }),
      CloseCode.BadFrame,
    ],
    [
      'invalid UTF-8 in a document name',
      frame((e) => {
        encoding.writeVarUint(e, 3);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint(e, 1);
        encoding.writeVarUint8Array(e, new Uint8Array([0x6e, 0x2f, 0xc3, 0x28]));
        encoding.writeVarUint8Array(e, new Uint8Array([0]));
      }),
      CloseCode.BadFrame,
    ],
    ['trailing bytes after a message', new Uint8Array([5, 1, 0]), CloseCode.BadFrame],
    ['a frame over the size limit', new Uint8Array(65 * 1024), CloseCode.FrameTooLarge],
    ...crashers.map(([name, make]): [string, Uint8Array, number] => [
      `an invalid update (${name})`,
      pushOf('notes/n1', make()),
      CloseCode.BadFrame,
    ]),
  ];

  for (const [what, bytes, code] of cases) {
    it(`closes the connection on ${what}; the relay, stored data and other clients carry on`, async () => {
      const { relay, stillWorks } = await relayWithBystander();
      const attacker = await RawClient.hello(relay.url);
      if (typeof bytes === 'string' || raw.has(what)) attacker.sendRaw(bytes);
      else attacker.sendBody(bytes);
      const closed = await attacker.whenClosed();
      expect(closed.code).toBe(code);
      if (code !== CloseCode.FrameTooLarge) expect(closed.reason.length).toBeGreaterThan(0);
      await stillWorks();
      const health = await fetch(`${relay.httpUrl}/healthz`);
      expect(health.status).toBe(200);
    });
  }

  for (const [name, make] of v2Only) {
    it(`treats ${name} as the empty update it is in V1, and stays responsive`, async () => {
      const { relay, stillWorks } = await relayWithBystander();
      const client = await RawClient.hello(relay.url);
      client.sendBody(pushOf('notes/n1', make()));
      expect((await client.next('ack')).refused).toEqual([]);
      client.send({ type: 'ping', id: 7 });
      await client.next('pong');
      await stillWorks();
    });
  }

  it('closes a connection that sends anything but Hello first, and one that never says Hello', async () => {
    const relay = await startRelay({ limits: { helloTimeoutMs: 50 } });
    const early = await RawClient.open(relay.url);
    early.send({ type: 'ping', id: 1 });
    expect((await early.whenClosed()).code).toBe(CloseCode.BadFrame);
    const silent = await RawClient.open(relay.url);
    expect((await silent.whenClosed()).code).toBe(CloseCode.HelloTimeout);
  });

  it('drops a frame repeated on the way, and closes (to resync) when one is missing', async () => {
    const relay = await startRelay();
    const client = await RawClient.hello(relay.url);
    const ping = (seq: number) =>
      frame((e) => {
        encoding.writeVarUint(e, seq);
        encoding.writeVarUint(e, 5);
        encoding.writeVarUint(e, seq);
      });
    client.sendRaw(ping(2));
    client.sendRaw(ping(2));
    client.sendRaw(ping(3));
    await client.next('pong', (m) => m.id === 3);
    expect(client.messages.filter((m) => m.type === 'pong').map((m) => m.type === 'pong' && m.id)).toEqual([
      2, 3,
    ]);
    client.sendRaw(ping(5));
    expect((await client.whenClosed()).code).toBe(CloseCode.OutOfSequence);
  });

  it('refuses a client speaking another protocol version with a clear reason', async () => {
    const relay = await startRelay();
    const old = await RawClient.open(relay.url);
    old.send({ type: 'hello', version: PROTOCOL_VERSION + 1, token: '' });
    const closed = await old.whenClosed();
    expect(closed.code).toBe(CloseCode.VersionMismatch);
    expect(closed.reason).toContain(`protocol ${PROTOCOL_VERSION}`);
  });
});

describe('malformed frames on /y/', () => {
  const wrap = (update: Uint8Array) =>
    frame((e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, update);
    });
  const cases: [string, Uint8Array][] = [
    ['an unknown message type', new Uint8Array([9])],
    ['a truncated sync message', new Uint8Array([0])],
    ['an unknown sync step', new Uint8Array([0, 7, 0])],
    ...crashers.map(([name, make]): [string, Uint8Array] => [`an invalid update (${name})`, wrap(make())]),
  ];
  for (const [what, bytes] of cases) {
    it(`closes the connection on ${what}`, async () => {
      const { relay, stillWorks } = await relayWithBystander();
      const socket = new WebSocket(`${relay.url}/y/notes/n1`);
      onCleanup(() => socket.terminate());
      await new Promise((resolve) => socket.once('message', resolve));
      socket.send(bytes);
      const code = await new Promise<number>((resolve) => socket.once('close', resolve));
      expect(code).toBe(CloseCode.BadFrame);
      await stillWorks();
    });
  }
});

describe('hostile documents', () => {
  it('never stores a clock past 2^53, so compaction and sync replies cannot be made to loop', async () => {
    const relay = await startRelay();
    const doc = new Y.Doc();
    doc.getMap('fields').set('title', 'fine');
    const attacker = await RawClient.hello(relay.url);
    attacker.send({ type: 'push', id: 1, items: [{ name: 'notes/x', update: Y.encodeStateAsUpdate(doc) }] });
    expect((await attacker.next('ack')).refused).toEqual([]);
    attacker.sendBody(pushOf('notes/x', crashers.find(([n]) => n.includes('2^53'))![1]()));
    expect((await attacker.whenClosed()).code).toBe(CloseCode.BadFrame);
    const reader = await RawClient.hello(relay.url);
    reader.send({
      type: 'subscribe',
      id: 1,
      collections: [],
      documents: [{ name: 'notes/x', stateVector: new Uint8Array() }],
    });
    const answer = await reader.next('sync', (m) => m.done);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, answer.items[0]!.update);
    expect(copy.getMap('fields').get('title')).toBe('fine');
  });
});
