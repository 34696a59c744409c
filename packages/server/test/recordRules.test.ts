import { once } from 'node:events';
import { CloseCode, DocumentErrorCode, defineCollection, t } from '@ferry/core';
import type { RelayAuth } from '@ferry/server';
import { type Access, AuthError, MemoryServerStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AccessCache } from '../src/auth/AccessCache.js';
import { ReadGate } from '../src/sync/ReadGate.js';
import { onCleanup, startClient, startRelay, until } from './helpers.js';
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
 * Eve may read and write the collection `notes`, but not the records `notes/hidden…` (authorize answers
 * 'none'), and only read `notes/readonly1`. Ana may do anything. Eve must never receive the hidden record's
 * content (MARKER) nor its id (HIDDEN_ID), on any path.
 */
const HIDDEN_ID = 'hidden1';
const MARKER = 'XMARKERX';
const notes = defineCollection('notes', { title: t.string() });

const auth: RelayAuth = {
  authenticate(token) {
    if (token !== 'ana' && token !== 'eve') throw new AuthError('Unknown user.');
    return { id: token };
  },
  authorize(principal, name): Access {
    if (principal.id !== 'eve') return 'write';
    if (name.startsWith('notes/hidden')) return 'none';
    if (name === 'notes/readonly1') return 'read';
    return 'write';
  },
};

/** Ana creates a record through REST. */
async function create(base: string, id: string, title: string) {
  const created = await api(base, '/api/collections/notes/records', {
    method: 'POST',
    user: 'ana',
    json: { id, title },
  });
  expect(created.status).toBe(201);
}

function expectNoLeak(text: string): void {
  expect(text).not.toContain(HIDDEN_ID);
  expect(text).not.toContain(MARKER);
}

async function eveOnSync(url: string) {
  const eve = await RawClient.hello(url, 'eve');
  return { eve, bytes: recordBytes(eve.socket) };
}

/** Subscribes to `notes` and waits for the whole answer; returns the cursor reached. */
const subscribeNotes = (client: RawClient, id: number, cursor = '') =>
  subscribeCollection(client, 'notes', id, cursor);

async function relayWithRecords() {
  const relay = await startRelay({ auth, collections: [notes] });
  await create(relay.httpUrl, 'open1', 'visible one');
  await create(relay.httpUrl, HIDDEN_ID, `only ana ${MARKER}`);
  return relay;
}

describe('record-level read rules on /sync', () => {
  it('leave a denied record out of a collection’s initial sync', async () => {
    const relay = await relayWithRecords();
    const { eve, bytes } = await eveOnSync(relay.url);
    await subscribeNotes(eve, 1);
    expect(bytes.text()).toContain('visible one');
    expectNoLeak(bytes.text());
  });

  it('leave it out of a resume by cursor', async () => {
    const relay = await startRelay({ auth, collections: [notes] });
    await create(relay.httpUrl, 'open1', 'visible one');
    const first = await eveOnSync(relay.url);
    const cursor = await subscribeNotes(first.eve, 1);
    first.eve.socket.close();
    await create(relay.httpUrl, HIDDEN_ID, `only ana ${MARKER}`);
    await create(relay.httpUrl, 'open2', 'visible two');

    const { eve, bytes } = await eveOnSync(relay.url);
    await subscribeNotes(eve, 1, cursor);
    expect(bytes.text()).toContain('visible two');
    expect(bytes.text()).not.toContain('visible one');
    expectNoLeak(bytes.text());
  });

  it('leave it out of live updates, and the updates after it still arrive in order', async () => {
    const relay = await startRelay({ auth, collections: [notes] });
    const { eve, bytes } = await eveOnSync(relay.url);
    await subscribeNotes(eve, 1);
    await create(relay.httpUrl, HIDDEN_ID, `only ana ${MARKER}`);
    await create(relay.httpUrl, 'open2', 'visible two');
    await untilReceived(eve, bytes, 'visible two');
    // The collection's cursor moves past both: Eve resumes after them without holding the hidden one.
    await eve.next('cursor');
    expectNoLeak(bytes.text());
  });

  it('leave it out of a fresh Ferry client’s store', async () => {
    const relay = await relayWithRecords();
    const client = await startClient(relay, { token: 'eve' });
    const collection = client.collection(notes);
    await until(
      (listener) => collection.on('change', listener),
      () => collection.get('open1') !== undefined,
    );
    await client.whenSynced();
    expect(collection.get(HIDDEN_ID)).toBeUndefined();
  });

  it('refuse the record’s document and its presence', async () => {
    const relay = await relayWithRecords();
    const ana = await RawClient.hello(relay.url, 'ana');
    const name = `notes/${HIDDEN_ID}`;
    ana.send({
      type: 'subscribe',
      id: 1,
      collections: [],
      documents: [{ name, stateVector: new Uint8Array() }],
    });
    await ana.next('sync', (m) => m.id === 1 && m.done);
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ user: `ana ${MARKER}` });
    ana.send({ type: 'awareness', name, update: encodeAwarenessUpdate(awareness, [awareness.clientID]) });

    const { eve, bytes } = await eveOnSync(relay.url);
    eve.send({
      type: 'subscribe',
      id: 1,
      collections: [],
      documents: [{ name, stateVector: new Uint8Array() }],
    });
    const refused = await eve.next('document-error');
    expect(refused.code).toBe(DocumentErrorCode.Forbidden);
    eve.send({ type: 'awareness', name, update: encodeAwarenessUpdate(awareness, [awareness.clientID]) });
    await eve.next('document-error', (m) => m !== refused);
    await subscribeNotes(eve, 2);
    expect(bytes.text()).not.toContain(MARKER);
    expect(eve.messages.filter((m) => m.type === 'awareness')).toEqual([]);
  });
});

describe('record-level read rules on REST', () => {
  it('answer 403 for the record, its history and its past versions', async () => {
    const relay = await relayWithRecords();
    for (const path of ['', '/history', `/history?at=${Date.now()}`]) {
      const answer = await api(relay.httpUrl, `/api/collections/notes/records/${HIDDEN_ID}${path}`, {
        user: 'eve',
      });
      expect(answer.status).toBe(403);
      expect(answer.text).not.toContain(MARKER);
    }
  });

  it('leave it out of the list', async () => {
    const relay = await relayWithRecords();
    const list = await api(relay.httpUrl, '/api/collections/notes/records', { user: 'eve' });
    expect(list.status).toBe(200);
    expect(JSON.parse(list.text).records.map((r: { id: string }) => r.id)).toEqual(['open1']);
    expectNoLeak(list.text);
  });

  it('leave it out of the change feed as JSON', async () => {
    const relay = await relayWithRecords();
    const feed = await api(relay.httpUrl, '/api/collections/notes/changes', { user: 'eve' });
    expect(feed.status).toBe(200);
    expect(JSON.parse(feed.text).changes.map((c: { id: string }) => c.id)).toEqual(['open1']);
    expectNoLeak(feed.text);
  });

  it('leave it out of the change feed as Server-Sent Events, backlog and live', async () => {
    const relay = await relayWithRecords();
    const feed = await eventStream(relay.httpUrl, 'notes', 'eve');
    await feed.until('open1');
    await create(relay.httpUrl, 'hidden2', `later ${MARKER}`);
    await create(relay.httpUrl, 'open2', 'visible two');
    await feed.until('open2');
    expectNoLeak(feed.text());
    expect(feed.text()).not.toContain('hidden2');
  });
});

describe('record-level read rules elsewhere', () => {
  it('refuse the record on /y/', async () => {
    const relay = await relayWithRecords();
    const socket = new WebSocket(`${relay.url}/y/notes/${HIDDEN_ID}?token=eve`);
    onCleanup(() => socket.terminate());
    const bytes = recordBytes(socket);
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(CloseCode.Unauthorized);
    expect(bytes.text()).not.toContain(MARKER);
  });

  it('leave it out of updates that come from another relay node', async () => {
    const storage = new MemoryServerStorage();
    const [fanoutA, fanoutB] = linkedFanouts();
    const nodeA = await startRelay({ auth, collections: [notes], storage, fanout: fanoutA });
    const nodeB = await startRelay({ auth, collections: [notes], storage, fanout: fanoutB });
    const { eve, bytes } = await eveOnSync(nodeB.url);
    await subscribeNotes(eve, 1);
    await create(nodeA.httpUrl, HIDDEN_ID, `only ana ${MARKER}`);
    await create(nodeA.httpUrl, 'open2', 'visible two');
    await untilReceived(eve, bytes, 'visible two');
    expectNoLeak(bytes.text());
  });
});

describe('record-level write rules', () => {
  it('refuse pushes into a collection subscription for a record Eve may not read or only read', async () => {
    const relay = await relayWithRecords();
    await create(relay.httpUrl, 'readonly1', 'read only');
    const eve = await RawClient.hello(relay.url, 'eve');
    await subscribeNotes(eve, 1);
    const doc = new Y.Doc();
    doc.getMap('fields').set('title', 'taken over');
    const update = Y.encodeStateAsUpdate(doc);
    eve.send({
      type: 'push',
      id: 2,
      items: [
        { name: `notes/${HIDDEN_ID}`, update },
        { name: 'notes/readonly1', update },
      ],
    });
    const ack = await eve.next('ack', (m) => m.id === 2);
    expect(ack.refused.map((r) => [r.name, r.code])).toEqual([
      [`notes/${HIDDEN_ID}`, DocumentErrorCode.Forbidden],
      ['notes/readonly1', DocumentErrorCode.ReadOnly],
    ]);
    await expectUnchanged(relay.httpUrl);
  });

  it('answer 403 to REST writes of a record Eve may not read or only read', async () => {
    const relay = await relayWithRecords();
    await create(relay.httpUrl, 'readonly1', 'read only');
    for (const id of [HIDDEN_ID, 'readonly1']) {
      const path = `/api/collections/notes/records/${id}`;
      const patched = await api(relay.httpUrl, path, { method: 'PATCH', user: 'eve', json: { title: 'x' } });
      const deleted = await api(relay.httpUrl, path, { method: 'DELETE', user: 'eve' });
      const created = await api(relay.httpUrl, '/api/collections/notes/records', {
        method: 'POST',
        user: 'eve',
        json: { id, title: 'x' },
      });
      expect([patched.status, deleted.status, created.status]).toEqual([403, 403, 403]);
      // The refusal names only what Eve asked for, and says nothing of whether the record exists.
      expect(patched.text + deleted.text + created.text).not.toContain(MARKER);
      expect(created.text).not.toMatch(/exists/);
    }
    await expectUnchanged(relay.httpUrl);
  });
});

async function expectUnchanged(base: string) {
  const hidden = await api(base, `/api/collections/notes/records/${HIDDEN_ID}`, { user: 'ana' });
  expect(JSON.parse(hidden.text).fields.title).toBe(`only ana ${MARKER}`);
  const readonly = await api(base, '/api/collections/notes/records/readonly1', { user: 'ana' });
  expect(JSON.parse(readonly.text).fields.title).toBe('read only');
}

describe('the read decision', () => {
  /** An authorize whose answers wait until released, counting its calls. */
  function slowAuth() {
    const calls: string[] = [];
    const waiting: (() => void)[] = [];
    const slow: RelayAuth = {
      authenticate: () => ({ id: 'eve' }),
      authorize(principal, name) {
        calls.push(name);
        return new Promise<Access>((resolve) =>
          waiting.push(() => resolve(auth.authorize(principal, name) as Access)),
        );
      },
    };
    const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
    /** Answers every question asked, and those asked because of the answers, until none is left. */
    const release = async () => {
      await tick();
      while (waiting.length > 0) {
        for (const answer of waiting.splice(0)) answer();
        await tick();
      }
    };
    return { slow, calls, release };
  }

  it('lets live updates through in order, a cursor never ahead of an update still being decided', async () => {
    const { slow, release } = slowAuth();
    const sent: string[] = [];
    const gate = new ReadGate(new AccessCache(slow, { id: 'eve' }), (error) => {
      throw error;
    });
    gate.update('notes/open1', () => sent.push('open1'));
    gate.update(`notes/${HIDDEN_ID}`, () => sent.push(HIDDEN_ID));
    gate.after(() => sent.push('cursor'));
    expect(sent).toEqual([]);
    await release();
    expect(sent).toEqual(['open1', 'cursor']);
    // Answers known: no waiting at all.
    gate.update('notes/open1', () => sent.push('open1 again'));
    gate.after(() => sent.push('cursor again'));
    expect(sent.slice(2)).toEqual(['open1 again', 'cursor again']);
  });

  it('remembers at most maxAccessAnswers answers, asking again for a forgotten one', async () => {
    const { slow, calls, release } = slowAuth();
    const access = new AccessCache(slow, { id: 'eve' }, 2);
    const answers = [access.canRead('notes/a'), access.canRead('notes/b'), access.canRead('notes/hidden3')];
    await release();
    expect(await Promise.all(answers)).toEqual([true, true, false]);
    expect(access.check('notes/hidden3')).toBe('none');
    const again = access.check('notes/a');
    expect(again).toBeInstanceOf(Promise);
    await release();
    expect(await again).toBe('write');
    expect(calls).toEqual(['notes/a', 'notes/b', 'notes/hidden3', 'notes/a']);
  });

  it('counts a failing authorize or an unknown answer as none', async () => {
    const odd: RelayAuth = {
      authenticate: () => ({ id: 'eve' }),
      authorize: (_principal, name) => {
        if (name === 'notes/throws') throw new Error('database down');
        return 'admin' as Access;
      },
    };
    const access = new AccessCache(odd, { id: 'eve' });
    expect(await access.canRead('notes/throws')).toBe(false);
    expect(await access.get('notes/odd')).toBe('none');
  });
});
