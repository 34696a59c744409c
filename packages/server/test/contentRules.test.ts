import { once } from 'node:events';
import { CloseCode, DocumentErrorCode, defineCollection, MemoryStorage, t } from '@ferry/core';
import { AuthError, MemoryServerStorage, type RelayAuth, type Rules, SqliteStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay, tempDir, until } from './helpers.js';
import { RawClient } from './rawClient.js';
import {
  api,
  eventStream,
  linkedFanouts,
  recordBytes,
  subscribeCollection,
  untilReceived,
} from './readProbes.js';

/**
 * Rules by content: a note is read by its owner and the people in `readers`, and changed by its owner only.
 * Ana owns every note; Eve is a reader of `shared1` only. Whatever path Eve uses, she must never receive the
 * content of a note she may not read (its title holds MARKER) nor its id (SECRET).
 */
const SECRET = 'secret1';
const MARKER = 'XMARKERX';
const notes = defineCollection('notes', {
  title: t.string(),
  owner: t.string(),
  readers: t.list(t.string()).default([]),
  folder: t.string().default('inbox'),
});
const rules: Rules = {
  notes: {
    read: (user, note) => note.owner === user.id || (note.readers as string[]).includes(user.id),
    write: (user, note) => note.owner === user.id,
  },
};
const auth: RelayAuth = {
  authenticate(token) {
    if (!['ana', 'eve', 'ben'].includes(token)) throw new AuthError('Unknown user.');
    return { id: token };
  },
  authorize: () => 'write',
};

async function create(
  base: string,
  id: string,
  fields: { title: string; readers?: string[]; folder?: string },
) {
  const created = await api(base, '/api/collections/notes/records', {
    method: 'POST',
    user: 'ana',
    json: { id, owner: 'ana', readers: [], ...fields },
  });
  expect(created.status).toBe(201);
}

async function patch(base: string, id: string, fields: object, user = 'ana') {
  return api(base, `/api/collections/notes/records/${id}`, { method: 'PATCH', user, json: fields });
}

async function relayWithNotes(options: Parameters<typeof startRelay>[0] = {}) {
  const relay = await startRelay({ auth, collections: [notes], rules, ...options });
  await create(relay.httpUrl, SECRET, { title: `only ana ${MARKER}` });
  await create(relay.httpUrl, 'shared1', { title: 'shared with eve', readers: ['eve'] });
  return relay;
}

async function eveOnSync(url: string) {
  const eve = await RawClient.hello(url, 'eve');
  return { eve, bytes: recordBytes(eve.socket) };
}

function expectNoLeak(text: string, id = SECRET, marker = MARKER): void {
  expect(text).not.toContain(id);
  expect(text).not.toContain(marker);
}

const hiddenNames = (client: RawClient) =>
  client.messages.flatMap((m) => (m.type === 'hidden' ? m.names : []));

describe('a read rule, on every path', () => {
  it('leaves the record out of a collection’s sync, live updates included', async () => {
    const relay = await relayWithNotes();
    const { eve, bytes } = await eveOnSync(relay.url);
    await subscribeCollection(eve, 'notes', 1);
    expect(bytes.text()).toContain('shared with eve');
    await patch(relay.httpUrl, SECRET, { title: `still only ana ${MARKER}` });
    await patch(relay.httpUrl, 'shared1', { title: 'edited for eve' });
    await untilReceived(eve, bytes, 'edited for eve');
    expectNoLeak(bytes.text());
    expect(hiddenNames(eve)).toEqual([]);
  });

  it('answers a subscribe by name as it answers a name nobody wrote, and keeps its presence away', async () => {
    const relay = await relayWithNotes();
    const ana = await RawClient.hello(relay.url, 'ana');
    ana.send({
      type: 'subscribe',
      id: 1,
      collections: [],
      documents: [{ name: `notes/${SECRET}`, stateVector: new Uint8Array() }],
    });
    await ana.next('sync', (m) => m.id === 1 && m.done);
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ user: `ana ${MARKER}` });
    const presence = encodeAwarenessUpdate(awareness, [awareness.clientID]);
    ana.send({ type: 'awareness', name: `notes/${SECRET}`, update: presence });

    const { eve, bytes } = await eveOnSync(relay.url);
    const answers = [];
    for (const [id, name] of [
      [1, `notes/${SECRET}`],
      [2, 'notes/nobody-wrote-this'],
    ] as const) {
      eve.send({
        type: 'subscribe',
        id,
        collections: [],
        documents: [{ name, stateVector: new Uint8Array() }],
      });
      const done = await eve.next('sync', (m) => m.id === id && m.done);
      answers.push({
        items: done.items.map((i) => [...i.update]),
        vectors: done.stateVectors.map((v) => [...v.stateVector]),
      });
    }
    expect(answers[0]).toEqual(answers[1]);
    eve.send({ type: 'awareness', name: `notes/${SECRET}`, update: presence });
    const refused = await eve.next('document-error');
    expect(refused.code).toBe(DocumentErrorCode.Forbidden);
    // Presence Ana sends now must not reach Eve either: wait for a later message to Eve first.
    awareness.setLocalState({ user: `ana again ${MARKER}` });
    ana.send({
      type: 'awareness',
      name: `notes/${SECRET}`,
      update: encodeAwarenessUpdate(awareness, [awareness.clientID]),
    });
    await subscribeCollection(eve, 'notes', 3);
    expect(eve.messages.filter((m) => m.type === 'awareness')).toEqual([]);
    expect(bytes.text()).not.toContain(MARKER);
  });

  it('answers REST get, history and a past version with 404, as for a record that does not exist', async () => {
    const relay = await relayWithNotes();
    for (const path of ['', '/history', `/history?at=${Date.now()}`]) {
      const hidden = await api(relay.httpUrl, `/api/collections/notes/records/${SECRET}${path}`, {
        user: 'eve',
      });
      const missing = await api(relay.httpUrl, `/api/collections/notes/records/nothing1${path}`, {
        user: 'eve',
      });
      expect(hidden.status).toBe(404);
      expect(hidden.text.replace(SECRET, 'nothing1')).toBe(missing.text);
    }
  });

  it('leaves it out of the REST list and the change feed, JSON and Server-Sent Events', async () => {
    const relay = await relayWithNotes();
    const list = await api(relay.httpUrl, '/api/collections/notes/records', { user: 'eve' });
    expect(JSON.parse(list.text).records.map((r: { id: string }) => r.id)).toEqual(['shared1']);
    const changes = await api(relay.httpUrl, '/api/collections/notes/changes', { user: 'eve' });
    expect(JSON.parse(changes.text).changes.map((c: { id: string }) => c.id)).toEqual(['shared1']);
    const feed = await eventStream(relay.httpUrl, 'notes', 'eve');
    await feed.until('shared1');
    await create(relay.httpUrl, 'secret2', { title: `later ${MARKER}` });
    await create(relay.httpUrl, 'shared2', { title: 'also for eve', readers: ['eve'] });
    await feed.until('shared2');
    expectNoLeak(list.text + changes.text + feed.text());
    expect(feed.text()).not.toContain('secret2');
  });

  it('refuses /y/ as for a name nobody wrote, and ends a /y/ connection when a change hides the record', async () => {
    const relay = await relayWithNotes();
    for (const id of [SECRET, 'nothing1']) {
      const socket = new WebSocket(`${relay.url}/y/notes/${id}?token=eve`);
      onCleanup(() => socket.terminate());
      const bytes = recordBytes(socket);
      const [code] = (await once(socket, 'close')) as [number];
      expect(code).toBe(CloseCode.Unauthorized);
      expect(bytes.text()).not.toContain(MARKER);
    }
    const socket = new WebSocket(`${relay.url}/y/notes/shared1?token=eve`);
    onCleanup(() => socket.terminate());
    const bytes = recordBytes(socket);
    await once(socket, 'open');
    const closed = once(socket, 'close');
    await patch(relay.httpUrl, 'shared1', { readers: [], title: `now private ${MARKER}` });
    const [code] = (await closed) as [number];
    expect(code).toBe(CloseCode.Hidden);
    expect(bytes.text()).not.toContain(MARKER);
  });

  it('holds across relay nodes: live updates, and a change that hides a record the other node never loaded', async () => {
    const storage = new MemoryServerStorage();
    const [fanoutA, fanoutB] = linkedFanouts();
    const nodeA = await relayWithNotes({ storage, fanout: fanoutA });
    const nodeB = await startRelay({ auth, collections: [notes], rules, storage, fanout: fanoutB });
    const { eve, bytes } = await eveOnSync(nodeB.url);
    await subscribeCollection(eve, 'notes', 1);
    await create(nodeA.httpUrl, 'secret2', { title: `later ${MARKER}` });
    await create(nodeA.httpUrl, 'shared2', { title: 'also for eve', readers: ['eve'] });
    await untilReceived(eve, bytes, 'also for eve');
    await patch(nodeA.httpUrl, 'shared1', { readers: [] });
    await eve.next('hidden');
    expect(hiddenNames(eve)).toEqual(['notes/shared1']);
    expectNoLeak(bytes.text());
    expectNoLeak(bytes.text(), 'secret2');
  });
});

describe('scope changes', () => {
  it('live: a record shared with Eve arrives whole; unshared, it is hidden and nothing more of it is sent', async () => {
    const relay = await relayWithNotes();
    const { eve, bytes } = await eveOnSync(relay.url);
    await subscribeCollection(eve, 'notes', 1);
    await patch(relay.httpUrl, SECRET, { readers: ['eve'] });
    // Its title was written before Eve could read it: only the whole record brings it.
    await untilReceived(eve, bytes, MARKER);
    await patch(relay.httpUrl, SECRET, { readers: [] });
    await eve.next('hidden');
    expect(hiddenNames(eve)).toEqual([`notes/${SECRET}`]);
    await patch(relay.httpUrl, SECRET, { title: 'AFTER-HIDDEN' });
    await patch(relay.httpUrl, 'shared1', { title: 'a later edit for eve' });
    await untilReceived(eve, bytes, 'a later edit for eve');
    expect(bytes.text()).not.toContain('AFTER-HIDDEN');
  });

  it('on resume: what was unshared meanwhile is hidden, what was shared arrives whole, the rest is never named', async () => {
    const relay = await relayWithNotes();
    await create(relay.httpUrl, 'secret3', { title: 'private all along' });
    const first = await eveOnSync(relay.url);
    const cursor = await subscribeCollection(first.eve, 'notes', 1);
    first.eve.socket.close();
    await patch(relay.httpUrl, 'shared1', { readers: [], title: 'UNSHARED-EDIT' });
    await patch(relay.httpUrl, SECRET, { readers: ['eve'] });
    await patch(relay.httpUrl, 'secret3', { title: 'PRIVATE-EDIT' });

    const { eve, bytes } = await eveOnSync(relay.url);
    await subscribeCollection(eve, 'notes', 1, cursor);
    expect(hiddenNames(eve)).toEqual(['notes/shared1']);
    expect(bytes.text()).toContain(MARKER);
    expect(bytes.text()).not.toContain('UNSHARED-EDIT');
    expectNoLeak(bytes.text(), 'secret3', 'PRIVATE-EDIT');
  });

  it('removes the record from a Ferry client’s store and queries, and tells the app', async () => {
    const relay = await relayWithNotes();
    const storage = new MemoryStorage();
    const client = await startClient(relay, { token: 'eve', storage });
    const collection = client.collection(notes);
    const visible = collection.query();
    let ids: string[] = [];
    visible.subscribe((list) => {
      ids = list.map((note) => note.id);
    });
    await until(
      (listener) => collection.on('change', listener),
      () => collection.get('shared1') !== undefined,
    );
    expect(ids).toEqual(['shared1']);
    const told: string[] = [];
    collection.on('hidden', ({ id }) => told.push(id));
    client.on('hidden', ({ collection: name, id }) => told.push(`${name}/${id}`));
    await patch(relay.httpUrl, 'shared1', { readers: [] });
    await until(
      (listener) => collection.on('hidden', listener),
      () => told.length === 2,
    );
    expect(told).toEqual(['shared1', 'notes/shared1']);
    expect(collection.get('shared1')).toBeUndefined();
    expect(ids).toEqual([]);
    await client.flush();
    expect(await storage.load('notes/shared1')).toEqual([]);
  });

  it('on resume, removes from a Ferry client a record unshared while it was offline with an edit waiting', async () => {
    const relay = await relayWithNotes();
    const storage = new MemoryStorage();
    const client = await startClient(relay, { token: 'eve', storage });
    const collection = client.collection(notes);
    const visible = collection.query();
    let ids: string[] = [];
    visible.subscribe((list) => {
      ids = list.map((note) => note.id);
    });
    await until(
      (listener) => collection.on('change', listener),
      () => collection.get('shared1') !== undefined,
    );
    await client.sync!.whenSynced();
    const told: string[] = [];
    collection.on('hidden', ({ id }) => told.push(id));
    client.sync!.disconnect();
    await patch(relay.httpUrl, 'shared1', { readers: [], title: 'UNSHARED-EDIT' });
    // An edit of Eve's own, made offline, still waiting to be sent when she learns she may not read it.
    await collection.get('shared1')!.set('folder', 'archive');
    expect(client.sync!.status.pending).toBeGreaterThan(0);
    client.sync!.connect();
    await until(
      (listener) => collection.on('hidden', listener),
      () => told.length === 1,
    );
    await client.sync!.whenSynced();
    expect(told).toEqual(['shared1']);
    expect(collection.get('shared1')).toBeUndefined();
    expect(ids).toEqual([]);
    expect(client.sync!.status.pending).toBe(0);
    await client.flush();
    expect(await storage.load('notes/shared1')).toEqual([]);
    // Nothing of her edit was stored.
    const stored = await api(relay.httpUrl, '/api/collections/notes/records/shared1', { user: 'ana' });
    expect(stored.status).toBe(200);
    expect(JSON.parse(stored.text).fields.folder).toBe('inbox');
  });
});

describe('a write rule', () => {
  it('refuses a change that takes a record over or writes someone into it, and stores nothing of it', async () => {
    const relay = await relayWithNotes();
    const eve = await RawClient.hello(relay.url, 'eve');
    await subscribeCollection(eve, 'notes', 1);
    const takeOver = new Y.Doc();
    takeOver.getMap('fields').set('owner', 'eve');
    const update = Y.encodeStateAsUpdate(takeOver);
    eve.send({ type: 'push', id: 2, items: [{ name: 'notes/shared1', update }] });
    const ack = await eve.next('ack', (m) => m.id === 2);
    expect(ack.refused.map((r) => [r.name, r.code])).toEqual([
      ['notes/shared1', DocumentErrorCode.Forbidden],
    ]);

    // A record Eve creates as Ana's: refused, as she could not write it afterwards.
    const forged = new Y.Doc();
    forged.getMap('fields').set('owner', 'ana');
    forged.getMap('fields').set('title', 'forged');
    eve.send({
      type: 'push',
      id: 3,
      items: [{ name: 'notes/forged1', update: Y.encodeStateAsUpdate(forged) }],
    });
    expect((await eve.next('ack', (m) => m.id === 3)).refused.map((r) => r.code)).toEqual([
      DocumentErrorCode.Forbidden,
    ]);

    // Over REST: a record Eve may read but not write is 403; one she may not read is 404, as if absent.
    expect((await patch(relay.httpUrl, 'shared1', { readers: ['eve', 'ben'] }, 'eve')).status).toBe(403);
    expect((await patch(relay.httpUrl, SECRET, { readers: ['eve'] }, 'eve')).status).toBe(404);

    const shared = JSON.parse(
      (await api(relay.httpUrl, '/api/collections/notes/records/shared1', { user: 'ana' })).text,
    );
    expect(shared.fields).toMatchObject({ owner: 'ana', readers: ['eve'] });
    const secret = JSON.parse(
      (await api(relay.httpUrl, `/api/collections/notes/records/${SECRET}`, { user: 'ana' })).text,
    );
    expect(secret.fields.readers).toEqual([]);
    expect((await api(relay.httpUrl, '/api/collections/notes/records/forged1', { user: 'ana' })).status).toBe(
      404,
    );
  });

  it('refuses edits made offline that break the rule: each rejected and rolled back, the rest saved', async () => {
    const relay = await relayWithNotes();
    const eve = await startClient(relay, { token: 'eve' });
    const eveNotes = eve.collection(notes);
    await eve.whenSynced();
    await until(
      (listener) => eveNotes.on('change', listener),
      () => eveNotes.get('shared1') !== undefined,
    );
    eve.sync!.disconnect();
    // Eve may read shared1 but not change it; she may not create a note in Ana's name; her own is fine.
    await eveNotes.update('shared1', { title: 'eve may not write this' });
    await eveNotes.create({ title: 'in ana’s name', owner: 'ana' }, { id: 'forged1' });
    await eveNotes.create({ title: 'her own', owner: 'eve' }, { id: 'own1' });
    expect(eve.sync!.status.pending).toBe(3);

    const rejected: [string, number][] = [];
    eve.sync!.on('rejected', (r) => rejected.push([r.name, r.code]));
    eve.sync!.connect();
    await eve.whenSynced();
    expect(rejected.sort()).toEqual([
      ['notes/forged1', DocumentErrorCode.Forbidden],
      ['notes/shared1', DocumentErrorCode.Forbidden],
    ]);
    expect(eve.sync!.status.pending).toBe(0);
    expect(eveNotes.get('shared1')!.get('title')).toBe('shared with eve');
    expect(eveNotes.get('forged1')).toBeUndefined();
    expect(eveNotes.get('own1')!.status).toBe('saved');
    const shared = JSON.parse(
      (await api(relay.httpUrl, '/api/collections/notes/records/shared1', { user: 'ana' })).text,
    );
    expect(shared.fields.title).toBe('shared with eve');
    expect((await api(relay.httpUrl, '/api/collections/notes/records/forged1', { user: 'ana' })).status).toBe(
      404,
    );
  });

  it('lets the owner write, and a copy of an accepted change sent again is not refused later', async () => {
    const relay = await relayWithNotes();
    const eve = await RawClient.hello(relay.url, 'eve');
    const own = new Y.Doc();
    own.getMap('fields').set('owner', 'eve');
    own.getMap('fields').set('title', 'mine');
    const update = Y.encodeStateAsUpdate(own);
    eve.send({ type: 'push', id: 1, items: [{ name: 'notes/mine1', update }] });
    expect((await eve.next('ack', (m) => m.id === 1)).refused).toEqual([]);
    // Eve hands the note to Ana; a resend of her first change (after a reconnect, say) changes nothing.
    await api(relay.httpUrl, '/api/collections/notes/records/mine1', {
      method: 'PATCH',
      user: 'eve',
      json: { owner: 'ana' },
    });
    eve.send({ type: 'push', id: 2, items: [{ name: 'notes/mine1', update }] });
    expect((await eve.next('ack', (m) => m.id === 2)).refused).toEqual([]);
  });
});

describe('replicating by query', () => {
  it('narrows what the rules let through to the records matching where, moving records in and out live', async () => {
    const relay = await relayWithNotes();
    await create(relay.httpUrl, 'archived1', {
      title: 'shared, archived',
      readers: ['eve'],
      folder: 'archive',
    });
    const client = await startClient(relay, { token: 'eve' });
    const inbox = client.collection(notes, { replicate: { where: { folder: 'inbox' } } });
    await client.whenSynced();
    await until(
      (listener) => inbox.on('change', listener),
      () => inbox.get('shared1') !== undefined,
    );
    expect(inbox.list().map((note) => note.id)).toEqual(['shared1']);

    const hidden: string[] = [];
    inbox.on('hidden', ({ id }) => hidden.push(id));
    await patch(relay.httpUrl, 'shared1', { folder: 'archive' });
    await patch(relay.httpUrl, 'archived1', { folder: 'inbox' });
    await until(
      (listener) => inbox.on('change', listener),
      () => inbox.get('archived1') !== undefined && inbox.get('shared1') === undefined,
    );
    expect(hidden).toEqual(['shared1']);
    expect(inbox.get('archived1')!.get('title')).toBe('shared, archived');
    // Matching where never lets a record the rules hide through.
    await patch(relay.httpUrl, SECRET, { folder: 'inbox' });
    await patch(relay.httpUrl, 'archived1', { title: 'a later edit' });
    await until(
      (listener) => inbox.on('change', listener),
      () => inbox.get('archived1')?.get('title') === 'a later edit',
    );
    expect(inbox.get(SECRET)).toBeUndefined();
  });

  it('closes a connection whose where is not a flat object of plain values', async () => {
    const relay = await relayWithNotes();
    const eve = await RawClient.hello(relay.url, 'eve');
    eve.send({
      type: 'subscribe',
      id: 1,
      collections: [
        { collection: 'notes', cursor: '', updatedSince: 0, where: { folder: { $ne: 'x' } } as never },
      ],
      documents: [],
    });
    expect((await eve.whenClosed()).code).toBe(CloseCode.BadFrame);
  });
});

describe('the cost of deciding by content', () => {
  it('serves others while a sync decides thousands of records the user may not read', async () => {
    const dir = tempDir();
    const storage = new SqliteStorage({ path: dir, synchronous: 'normal' });
    const theirs = new Y.Doc();
    theirs.getMap('fields').set('owner', 'ana');
    theirs.getMap('fields').set('title', `not for eve ${MARKER}`);
    const update = Y.encodeStateAsUpdate(theirs);
    await storage.append(
      Array.from({ length: 5000 }, (_, i) => ({
        name: `notes/n${i}`,
        collection: 'notes',
        update,
        actor: 'ana',
        at: 0,
      })),
    );
    const relay = await startRelay({ auth, collections: [notes], rules, storage, dir });
    const eve = await RawClient.hello(relay.url, 'eve');
    const order: string[] = [];
    const synced = eve.next('sync', (m) => m.id === 1 && m.done).then(() => order.push('sync'));
    eve.send({
      type: 'subscribe',
      id: 1,
      collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
      documents: [],
    });
    // Sent after the subscribe: without slices, the relay answers it only after deciding all 5,000 records.
    const health = fetch(`${relay.httpUrl}/healthz`).then((response) =>
      order.push(`healthz ${response.status}`),
    );
    await Promise.all([synced, health]);
    expect(order).toEqual(['healthz 200', 'sync']);
    expect(eve.messages.some((m) => m.type === 'sync' && m.items.length > 0)).toBe(false);
  });
});
