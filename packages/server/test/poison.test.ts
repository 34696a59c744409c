/**
 * Updates that pass checkUpdate but make Yjs throw when applied ("poison"): the relay never stores one, and a
 * record whose stored log holds one (written by an older version) keeps being served without it.
 */
import { CloseCode, type Logger, silentLogger } from '@ferry/core';
import { MemoryServerStorage } from '@ferry/server';
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { pendingJsonProtoUpdate, pendingProtoUpdate } from './fixtures/pendingProtoUpdate.js';
import { editOf, poisonFor, recordUpdate } from './fixtures/poisonUpdate.js';
import { onCleanup, startRelay } from './helpers.js';
import { RawClient } from './rawClient.js';

/** A logger that keeps what was logged at warn and error. */
function keepingLogger() {
  const lines: { level: string; details: object; message?: string }[] = [];
  const logger: Logger = {
    ...silentLogger,
    warn: (details, message) => lines.push({ level: 'warn', details, message }),
    error: (details, message) => lines.push({ level: 'error', details, message }),
  };
  return { logger, lines };
}

/** Subscribes to one document over /sync; resolves with its content (or throws with the error). */
async function readOverSync(url: string, name: string): Promise<Y.Doc> {
  const client = await RawClient.hello(url);
  client.send({
    type: 'subscribe',
    id: 1,
    collections: [],
    documents: [{ name, stateVector: new Uint8Array() }],
  });
  const answer = await client.next('sync', (m) => m.done);
  const error = client.messages.find((m) => m.type === 'document-error');
  if (error) throw new Error(`document error: ${JSON.stringify(error)}`);
  const doc = new Y.Doc();
  for (const item of answer.items) Y.applyUpdate(doc, item.update);
  client.socket.close();
  return doc;
}

/** Opens the document over /y/; resolves with its content once the relay answered sync step 1. */
async function readOverY(url: string, name: string): Promise<Y.Doc> {
  const socket = new WebSocket(`${url}/y/${name}`);
  onCleanup(() => socket.terminate());
  const doc = new Y.Doc();
  await new Promise<void>((resolve, reject) => {
    socket.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
    socket.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) !== 0) return;
      const step = decoding.readVarUint(d);
      // The relay's sync step 1: ask for everything (an empty state vector).
      if (step === 0) socket.send(new Uint8Array([0, 0, 1, 0]));
      if (step === 1) {
        Y.applyUpdate(doc, decoding.readVarUint8Array(d));
        resolve();
      }
    });
  });
  socket.close();
  return doc;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/** Every way of reading a record answers with its content (REST first: it does not load the document). */
async function expectServed(relay: { url: string; httpUrl: string }, title: string) {
  const api = `${relay.httpUrl}/api/collections/notes/records`;
  const record = await getJson(`${api}/p1`);
  expect(record).toMatchObject({ status: 200, body: { fields: { title } } });
  const history = await getJson(`${api}/p1/history`);
  expect(history.status).toBe(200);
  const list = await getJson(api);
  expect(list).toMatchObject({ status: 200, body: { records: [{ id: 'p1', fields: { title } }] } });
  expect((await readOverSync(relay.url, 'notes/p1')).getMap('fields').get('title')).toBe(title);
  expect((await readOverY(relay.url, 'notes/p1')).getMap('fields').get('title')).toBe(title);
}

describe('updates Yjs cannot apply', () => {
  it('are refused when pushed to a record nobody has open, and reach neither storage nor subscribers', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage });
    const record = recordUpdate('kept');
    const poison = poisonFor(record);

    const writer = await RawClient.hello(relay.url);
    writer.send({ type: 'push', id: 1, items: [{ name: 'notes/p1', update: record }] });
    expect((await writer.next('ack')).refused).toEqual([]);
    // Someone following the collection, who must never receive the poison.
    const follower = await RawClient.hello(relay.url);
    follower.send({
      type: 'subscribe',
      id: 1,
      collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
      documents: [],
    });
    await follower.next('sync', (m) => m.done);

    const attacker = await RawClient.hello(relay.url);
    attacker.send({ type: 'push', id: 1, items: [{ name: 'notes/p1', update: poison }] });
    // Not acknowledged: the connection is closed instead.
    expect(
      await attacker.next('ack').then(
        () => 'acknowledged',
        () => 'closed',
      ),
    ).toBe('closed');
    const closed = await attacker.whenClosed();
    expect(closed.code).toBe(CloseCode.BadFrame);
    expect(closed.reason).toMatch(/could not be applied/);

    // A later valid change reaches the follower, and nothing before it was the poison.
    const edit = editOf(record, 3, 'kept');
    writer.send({ type: 'push', id: 2, items: [{ name: 'notes/p1', update: edit }] });
    expect((await writer.next('ack', (m) => m.id === 2)).refused).toEqual([]);
    await follower.next('updates', (m) => m.items.some((item) => equal(item.update, edit)));
    const delivered = follower.messages.flatMap((m) => (m.type === 'updates' ? m.items : []));
    expect(delivered.some((item) => equal(item.update, poison))).toBe(false);
    expect((await storage.history('notes/p1')).some((entry) => equal(entry.update, poison))).toBe(false);

    await expectServed(relay, 'kept');
  });

  it('already in storage (written by an older version) are left out, logged once and set aside', async () => {
    const storage = new MemoryServerStorage();
    const record = recordUpdate('kept');
    const poison = poisonFor(record);
    const later = editOf(record, 3, 'later');
    const entry = (update: Uint8Array) => ({
      name: 'notes/p1',
      collection: 'notes',
      update,
      actor: 'a',
      at: 0,
    });
    await storage.append([entry(record), entry(poison), entry(later)]);

    const { logger, lines } = keepingLogger();
    const relay = await startRelay({ storage, logger, compactAfterEntries: 2, historyMs: 0 });
    await expectServed(relay, 'later');
    const about = lines.filter((line) => JSON.stringify(line.details).includes('notes/p1'));
    expect(about).toHaveLength(1);
    expect(about[0]!.message).toMatch(/could not be applied; set aside/);
    expect((await storage.setAsideOf('notes/p1')).map((e) => e.update)).toEqual([poison]);
    // Compaction (after 2 entries here) merges what is left, never the poison.
    await expect.poll(() => storage.history('notes/p1').then((log) => log.length)).toBe(1);
    const [snapshot] = await storage.history('notes/p1');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, snapshot!.update);
    expect(doc.getMap('fields').get('title')).toBe('later');

    // After a restart it is not found (nor logged) again.
    await relay.close();
    const again = keepingLogger();
    const restarted = await startRelay({ storage, logger: again.logger });
    await expectServed(restarted, 'later');
    expect(again.lines.filter((line) => JSON.stringify(line.details).includes('notes/p1'))).toEqual([]);
  });
});

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Another client sets a field of the record to a BigInt, which Yjs carries as a lib0 `any` (tag 122). */
function bigintUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('count', 10n as unknown as number);
  return Y.encodeStateAsUpdate(doc);
}

describe('updates that apply but leave a record Yjs or JSON cannot encode', () => {
  // Found by the structure-aware fuzzer: a lib0 `any` object whose key `__proto__` holds bytes. Yjs applies
  // it, and then every encoding of the record throws.
  const protoBytes = Uint8Array.from(
    Buffer.from('010107002801066669656c6473057469746c65017601095f5f70726f746f5f5f7402000000', 'hex'),
  );

  it.each([
    ['applied at once: an object whose "__proto__" key holds bytes', () => protoBytes],
    // Yjs keeps these pending, where the checks of applied content do not look, and encoding the record throws.
    ['waiting for a change the relay has not seen: the same kind of object', pendingProtoUpdate],
    [
      'waiting for a change the relay has not seen: a JSON value with a "__proto__" key of its own',
      pendingJsonProtoUpdate,
    ],
    // Found by the structure-aware fuzzer: Yjs applies and encodes it, but every REST answer holding the
    // record (get, history, the whole collection's list) threw "Do not know how to serialize a BigInt".
    ['applied at once: a BigInt value, which JSON cannot hold', bigintUpdate],
  ])('are refused and leave the record served, %s', async (_, poison) => {
    const update = poison();
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage });
    const writer = await RawClient.hello(relay.url);
    writer.send({ type: 'push', id: 1, items: [{ name: 'notes/p1', update: recordUpdate('kept') }] });
    expect((await writer.next('ack')).refused).toEqual([]);

    const attacker = await RawClient.hello(relay.url);
    attacker.send({ type: 'push', id: 1, items: [{ name: 'notes/p1', update }] });
    const outcome = await attacker.next('ack').then(
      (ack) => (ack.refused.length > 0 ? 'refused' : 'acknowledged'),
      () => 'closed',
    );
    expect(outcome).not.toBe('acknowledged');
    expect((await storage.history('notes/p1')).some((entry) => equal(entry.update, update))).toBe(false);
    await expectServed(relay, 'kept');
  });
});

describe('a REST value with a "__proto__" key', () => {
  it('is refused with 400 and stores nothing; the collection keeps answering', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage });
    const api = `${relay.httpUrl}/api/collections/notes/records`;
    const response = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"p2","fields":{"meta":{"__proto__":{"admin":true}}}}',
    });
    expect(response.status).toBe(400);
    expect(await storage.history('notes/p2')).toEqual([]);
    expect((await getJson(api)).status).toBe(200);
  });
});
