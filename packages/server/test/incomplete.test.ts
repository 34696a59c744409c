/**
 * Pushes that build on changes the relay does not hold (Yjs would keep them waiting): never acknowledged,
 * never stored, until their sender sends what they build on. Over /sync the Ack names them incomplete with
 * the relay's state vector; over /y/ the relay answers with sync step 1.
 */
import {
  DocumentErrorCode,
  defineCollection,
  OLDEST_PROTOCOL_VERSION,
  type RejectedChange,
  t,
} from '@ferry/core';
import { type AppendEntry, type AppendResult, MemoryServerStorage } from '@ferry/server';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay, until } from './helpers.js';
import { RawClient } from './rawClient.js';

const NAME = 'notes/r1';

/** B's change, typed right after a change of A's that the relay never got. */
function builtOnALostChange() {
  const a = new Y.Doc();
  a.clientID = 1;
  a.getText('t').insert(0, 'lost ');
  const b = new Y.Doc();
  b.clientID = 2;
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  const before = Y.encodeStateVector(b);
  b.getText('t').insert(5, 'and built on');
  return { b, builtOn: Y.encodeStateAsUpdate(b, before) };
}

/** The record as its stored log holds it, with whether any of it waits for a missing change. */
async function stored(storage: MemoryServerStorage, name = NAME) {
  const doc = new Y.Doc();
  for (const update of await storage.load(name)) Y.applyUpdate(doc, update);
  const waiting = doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
  return { text: doc.getText('t').toString(), waiting, entries: (await storage.load(name)).length };
}

async function push(client: RawClient, id: number, update: Uint8Array) {
  client.send({ type: 'push', id, items: [{ name: NAME, update }] });
  return client.next('ack', (ack) => ack.id === id);
}

describe('incomplete pushes', () => {
  it('are not acknowledged or stored, across a restart, until the diff from the relay’s state vector comes', async () => {
    const storage = new MemoryServerStorage();
    const { b, builtOn } = builtOnALostChange();
    const first = await startRelay({ storage });
    const ack = await push(await RawClient.hello(first.url), 1, builtOn);
    expect(ack.refused).toEqual([]);
    expect(ack.incomplete).toEqual([{ name: NAME, stateVector: expect.any(Uint8Array) }]);
    expect(await stored(storage)).toMatchObject({ entries: 0 });

    // A restart changes nothing: the relay holds nothing of it, and answers the same.
    await first.close();
    const relay = await startRelay({ storage });
    const client = await RawClient.hello(relay.url);
    const again = await push(client, 1, builtOn);
    expect(again.incomplete).toHaveLength(1);
    expect(await stored(storage)).toMatchObject({ entries: 0 });

    const answer = Y.encodeStateAsUpdate(b, again.incomplete![0]!.stateVector);
    const saved = await push(client, 2, answer);
    expect(saved).toMatchObject({ refused: [] });
    expect(saved.incomplete).toBeUndefined();
    expect(await stored(storage)).toEqual({ text: 'lost and built on', waiting: false, entries: 1 });
  });

  it('are refused for now, not for good, to clients of older protocol versions', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage });
    const old = await RawClient.open(relay.url);
    old.send({ type: 'hello', version: OLDEST_PROTOCOL_VERSION, token: '' });
    await old.next('welcome');
    const ack = await push(old, 1, builtOnALostChange().builtOn);
    // StorageFailed: an older client keeps the change and sends it again later; nothing is rolled back.
    expect(ack.refused).toEqual([
      { name: NAME, code: DocumentErrorCode.StorageFailed, message: expect.stringMatching(/does not hold/) },
    ]);
    expect(ack.incomplete).toBeUndefined();
    expect(await stored(storage)).toMatchObject({ entries: 0 });
  });

  it('stores nothing planted under another client’s id, and the victim’s next edits are accepted', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage });
    const victim = new Y.Doc();
    victim.clientID = 7;
    victim.getText('t').insert(0, 'mine');
    const victimClient = await RawClient.hello(relay.url);
    expect(await push(victimClient, 1, Y.encodeStateAsUpdate(victim))).toMatchObject({ refused: [] });

    // The attacker writes at the victim's next clock, after content of its own the relay never gets.
    const bait = new Y.Doc();
    bait.clientID = 8;
    bait.getText('t').insert(0, 'bait');
    const planter = new Y.Doc();
    Y.applyUpdate(planter, Y.encodeStateAsUpdate(victim));
    Y.applyUpdate(planter, Y.encodeStateAsUpdate(bait));
    const known = Y.encodeStateVector(planter);
    planter.clientID = victim.clientID;
    planter.getText('t').insert(planter.getText('t').toString().indexOf('bait') + 4, ' planted');
    const planted = Y.encodeStateAsUpdate(planter, known);
    expect(Y.parseUpdateMeta(planted).from.get(7)).toBe(4);

    const attack = await push(await RawClient.hello(relay.url), 1, planted);
    expect(attack.incomplete).toHaveLength(1);
    expect(await stored(storage)).toEqual({ text: 'mine', waiting: false, entries: 1 });

    const before = Y.encodeStateVector(victim);
    victim.getText('t').insert(4, ' and more');
    const edit = await push(victimClient, 2, Y.encodeStateAsUpdate(victim, before));
    expect(edit).toMatchObject({ refused: [] });
    expect(edit.incomplete).toBeUndefined();
    expect(await stored(storage)).toEqual({ text: 'mine and more', waiting: false, entries: 2 });
  });

  it('tells apart content the record already keeps waiting (stored by an older version) from a new push’s', async () => {
    const storage = new MemoryServerStorage();
    const { b, builtOn } = builtOnALostChange();
    await storage.append([{ name: NAME, collection: 'notes', update: builtOn, actor: 'older', at: 0 }]);
    const relay = await startRelay({ storage });
    const client = await RawClient.hello(relay.url);

    // A change that needs nothing the relay lacks is stored, though the record still keeps other content aside.
    const other = new Y.Doc();
    other.clientID = 3;
    other.getMap('m').set('k', 'v');
    const complete = await push(client, 1, Y.encodeStateAsUpdate(other));
    expect(complete).toMatchObject({ refused: [] });
    expect(complete.incomplete).toBeUndefined();
    expect(await stored(storage)).toMatchObject({ waiting: true, entries: 2 });

    // What it waited for arrives: both apply.
    const lost = await push(client, 2, Y.encodeStateAsUpdate(b, Y.encodeStateVector(other)));
    expect(lost.incomplete).toBeUndefined();
    expect(await stored(storage)).toEqual({ text: 'lost and built on', waiting: false, entries: 3 });
  });

  it('over /y/: stores nothing of it and answers with sync step 1, whose answer is stored', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage });
    const { b, builtOn } = builtOnALostChange();
    const socket = new WebSocket(`${relay.url}/y/${NAME}`);
    onCleanup(() => socket.terminate());
    // The relay's sync messages, by step (0: step 1, 1: step 2), in order.
    const received: { step: number; payload: Uint8Array }[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) !== 0) return;
      received.push({ step: decoding.readVarUint(d), payload: decoding.readVarUint8Array(d) });
      for (const wake of waiters.splice(0)) wake();
    });
    const nth = (step: number, count: number) =>
      new Promise<Uint8Array>((resolve) => {
        const check = () => {
          const of = received.filter((m) => m.step === step);
          if (of.length >= count) resolve(of[count - 1]!.payload);
          else waiters.push(check);
        };
        check();
      });
    const send = (step: number, payload: Uint8Array) => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, step);
      encoding.writeVarUint8Array(e, payload);
      socket.send(encoding.toUint8Array(e));
    };

    await nth(0, 1);
    send(2, builtOn); // a sync update
    const relayState = await nth(0, 2);
    expect(Y.decodeStateVector(relayState).size).toBe(0);
    send(1, Y.encodeStateAsUpdate(b, relayState)); // sync step 2, as y-websocket answers step 1
    // Step 1 of the client: answered once what came before it was applied.
    send(0, Y.encodeStateVector(new Y.Doc()));
    const relayDoc = new Y.Doc();
    Y.applyUpdate(relayDoc, await nth(1, 1));
    expect(relayDoc.getText('t').toString()).toBe('lost and built on');
    // Closing commits everything the relay applied.
    socket.close();
    await relay.close();
    expect(await stored(storage)).toEqual({ text: 'lost and built on', waiting: false, entries: 1 });
  });
});

const notes = defineCollection('notes', { body: t.text() });

/** Storage that, while `losing`, answers appends without keeping them: a commit torn by a crash. */
class LosingStorage extends MemoryServerStorage {
  losing = false;
  override async append(entries: readonly AppendEntry[]): Promise<AppendResult> {
    if (!this.losing) return super.append(entries);
    const cursors = new Map<string, string>();
    for (const entry of entries) cursors.set(entry.collection, await this.head(entry.collection));
    return { cursors, positions: entries.map((entry) => cursors.get(entry.collection)!) };
  }
}

describe('a change the relay forwarded and then lost', () => {
  it('reaches storage with the change built on it, sent by the client that built on it', async () => {
    const storage = new LosingStorage();
    const first = await startRelay({ storage });
    const author = await startClient(first);
    await author.collection(notes).create({ body: 'first' }, { id: 'r' });
    await author.whenSynced();
    const other = await startClient(first);
    const otherNotes = other.collection(notes);
    await other.whenSynced();
    const record = otherNotes.get('r')!;

    // The author's next change reaches the other client, and never storage; the author never comes back.
    storage.losing = true;
    const authorRecord = author.collection(notes).get('r')!;
    authorRecord.text('body').insert(5, ' lost');
    await until(
      (listener) => record.on('change', listener),
      () => record.get('body') === 'first lost',
    );
    await author.close();
    await first.close();
    storage.losing = false;

    const rejected: RejectedChange[] = [];
    other.sync!.on('rejected', (change) => rejected.push(change));
    record.text('body').insert(10, ', and built on');
    const relay = await startRelay({ storage, port: first.port });
    await record.whenSaved();
    await other.whenSynced();
    expect(rejected).toEqual([]);
    expect(record.status).toBe('saved');

    const reader = await startClient(relay);
    const read = reader.collection(notes);
    await reader.whenSynced();
    expect(read.get('r')?.get('body')).toBe('first lost, and built on');
  });
});
