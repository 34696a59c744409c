import { DocumentErrorCode, defineCollection, t } from '@ferry/core';
import {
  AuthError,
  PostgresStorage,
  type RelayAuth,
  type Rules,
  type ServerStorage,
  SqliteStorage,
} from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { onCleanup, POSTGRES_URL, startRelay, tempDir, uniqueName } from './helpers.js';
import { RawClient } from './rawClient.js';
import { api } from './readProbes.js';

/**
 * A read rule given as `{ field }` is indexed: a sync reads the principal's rows of the index instead of
 * asking the rule of every record. Whatever the index holds, each user must sync exactly the records the
 * rule, asked of every record, lets them read: after changes that give records to users and take them away,
 * after a restart, and for records stored before the index was kept.
 */
const USERS = ['ana', 'ben', 'eve', 'kim'] as const;
const notes = defineCollection('notes', {
  title: t.string(),
  owner: t.string(),
  readers: t.list(t.string()).default([]),
});
const indexed: Rules = {
  notes: {
    read: { field: ['owner', 'readers'] },
    write: (user, note) => note.owner === user.id || (note.readers as string[]).includes(user.id),
  },
};
const auth: RelayAuth = {
  authenticate(token) {
    if (!(USERS as readonly string[]).includes(token)) throw new AuthError('Unknown user.');
    return { id: token };
  },
  authorize: () => 'write',
};

interface Note {
  owner: string;
  readers: string[];
}

/** The rule, asked of every record: what each user must sync. */
const readableBy = (model: Map<string, Note>, user: string) =>
  [...model]
    .filter(([, note]) => note.owner === user || note.readers.includes(user))
    .map(([id]) => `notes/${id}`)
    .sort();

/** A fixed sequence of choices, so that every run writes the same records. */
function choices(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

const someUsers = (pick: (n: number) => number) => USERS.filter(() => pick(3) === 0);

async function write(base: string, model: Map<string, Note>, id: string, note: Note, user = note.owner) {
  // A change always changes the title too: a record its readers change is committed even if they do not.
  const exists = model.has(id);
  const answer = await api(
    base,
    exists ? `/api/collections/notes/records/${id}` : '/api/collections/notes/records',
    {
      method: exists ? 'PATCH' : 'POST',
      user,
      json: exists
        ? { title: `note ${id}, changed`, readers: note.readers }
        : { id, title: `note ${id}`, ...note },
    },
  );
  expect(answer.status, answer.text).toBe(exists ? 200 : 201);
  model.set(id, note);
}

/** A user's sync of the collection from `cursor`: the records it received, those it must hide, the cursor. */
async function syncAs(url: string, user: string, cursor = '') {
  const client = await RawClient.hello(url, user);
  client.send({
    type: 'subscribe',
    id: 1,
    collections: [{ collection: 'notes', cursor, updatedSince: 0 }],
    documents: [],
  });
  const done = await client.next('sync', (m) => m.id === 1 && m.done);
  const received = client.messages.flatMap((m) => (m.type === 'sync' ? m.items.map((i) => i.name) : []));
  const hidden = client.messages.flatMap((m) => (m.type === 'hidden' ? m.names : []));
  client.socket.close();
  return {
    received: [...new Set(received)].sort(),
    hidden: hidden.sort(),
    cursor: done.cursors.find((c) => c.collection === 'notes')!.cursor,
  };
}

async function expectSameAsRule(url: string, model: Map<string, Note>) {
  for (const user of USERS) expect((await syncAs(url, user)).received, user).toEqual(readableBy(model, user));
}

const stores: [string, () => { open(): ServerStorage }][] = [
  [
    'SQLite',
    () => {
      const dir = tempDir();
      return { open: () => new SqliteStorage({ path: dir, synchronous: 'normal' }) };
    },
  ],
  [
    'PostgreSQL',
    () => {
      const options = { connectionString: POSTGRES_URL, schema: uniqueName('ferry_test') };
      onCleanup(async () => {
        const store = new PostgresStorage(options);
        await store.drop();
        await store.close();
      });
      return { open: () => new PostgresStorage(options) };
    },
  ],
];

describe.each(stores)('an indexed read rule on %s', (_, backing) => {
  it('syncs each user what the rule lets them read, as records are given and taken away, and across a restart', async () => {
    const store = backing();
    const relay = await startRelay({ auth, collections: [notes], rules: indexed, storage: store.open() });
    const model = new Map<string, Note>();
    const pick = choices(7);
    for (let i = 0; i < 24; i++)
      await write(relay.httpUrl, model, `n${i}`, { owner: USERS[pick(4)]!, readers: someUsers(pick) });
    await expectSameAsRule(relay.url, model);
    const before = new Map(
      await Promise.all(USERS.map(async (user) => [user, await syncAs(relay.url, user)] as const)),
    );

    // Readers change: records are given to some users and taken from others.
    const changed = new Map(model);
    for (const id of ['n1', 'n5', 'n9', 'n14', 'n20']) {
      const note = model.get(id)!;
      await write(relay.httpUrl, changed, id, { owner: note.owner, readers: someUsers(pick) });
    }
    await expectSameAsRule(relay.url, changed);
    let given = 0;
    let taken = 0;
    for (const user of USERS) {
      const resumed = await syncAs(relay.url, user, before.get(user)!.cursor);
      const then = readableBy(model, user);
      const now = readableBy(changed, user);
      // Resuming sends what changed in the user's scope and is readable; hides what no longer is.
      const changedNow = ['n1', 'n5', 'n9', 'n14', 'n20']
        .map((id) => `notes/${id}`)
        .filter((n) => now.includes(n));
      expect(resumed.received, user).toEqual(changedNow.sort());
      expect(resumed.hidden, user).toEqual(then.filter((name) => !now.includes(name)));
      given += now.filter((name) => !then.includes(name)).length;
      taken += resumed.hidden.length;
    }
    // The changes above both give records to users and take them away.
    expect([given > 0, taken > 0]).toEqual([true, true]);

    // A restart on the same store answers the same.
    await relay.close();
    const restarted = await startRelay({ auth, collections: [notes], rules: indexed, storage: store.open() });
    await expectSameAsRule(restarted.url, changed);
    const ana = await syncAs(restarted.url, 'ana');
    expect((await syncAs(restarted.url, 'ana', ana.cursor)).received).toEqual([]);
  });

  it('narrows a user’s records by where, and hides those a change moves out of it', async () => {
    const store = backing();
    const relay = await startRelay({ auth, collections: [notes], rules: indexed, storage: store.open() });
    const model = new Map<string, Note>();
    const pick = choices(3);
    for (let i = 0; i < 12; i++)
      await write(relay.httpUrl, model, `n${i}`, { owner: USERS[pick(2)]!, readers: someUsers(pick) });
    const byAna = (m: Map<string, Note>) =>
      readableBy(m, 'ben').filter((name) => m.get(name.slice('notes/'.length))!.owner === 'ana');
    const sync = async (cursor: string) => {
      const client = await RawClient.hello(relay.url, 'ben');
      const collections = [{ collection: 'notes', cursor, updatedSince: 0, where: { owner: 'ana' } }];
      client.send({ type: 'subscribe', id: 1, collections, documents: [] });
      const done = await client.next('sync', (m) => m.id === 1 && m.done);
      client.socket.close();
      return {
        received: client.messages
          .flatMap((m) => (m.type === 'sync' ? m.items.map((i) => i.name) : []))
          .sort(),
        hidden: client.messages.flatMap((m) => (m.type === 'hidden' ? m.names : [])),
        cursor: done.cursors[0]!.cursor,
      };
    };
    const first = await sync('');
    expect(first.received).toEqual(byAna(model));
    expect(first.received.length).toBeGreaterThan(0);
    // One of them moves to Ben's own notes: still readable, no longer in the narrowed scope.
    const moved = first.received[0]!.slice('notes/'.length);
    const answer = await api(relay.httpUrl, `/api/collections/notes/records/${moved}`, {
      method: 'PATCH',
      user: 'ana',
      json: { owner: 'ben', readers: ['ana'] },
    });
    expect(answer.status, answer.text).toBe(200);
    expect(await sync(first.cursor)).toMatchObject({ received: [], hidden: [`notes/${moved}`] });
  });

  it('builds the index once for records stored before it was kept', async () => {
    const store = backing();
    // Stored by a relay whose rule is a function: nothing is indexed.
    const asFunction: Rules = {
      notes: {
        read: (user, note) => note.owner === user.id || (note.readers as string[]).includes(user.id),
      },
    };
    const before = await startRelay({ auth, collections: [notes], rules: asFunction, storage: store.open() });
    const model = new Map<string, Note>();
    const pick = choices(11);
    for (let i = 0; i < 16; i++)
      await write(before.httpUrl, model, `n${i}`, { owner: USERS[pick(4)]!, readers: someUsers(pick) });
    await before.close();
    const storage = store.open();
    expect(
      (await storage.readersChanges('notes', 'ana', '', { upTo: await storage.head('notes') })).items,
    ).toEqual([]);

    const relay = await startRelay({ auth, collections: [notes], rules: indexed, storage });
    await expectSameAsRule(relay.url, model);
    const indexedForAna = await storage.readersChanges('notes', 'ana', '', {
      upTo: await storage.head('notes'),
    });
    expect(indexedForAna.items.map((i) => i.name).sort()).toEqual(readableBy(model, 'ana'));

    // Changes made meanwhile by a relay without the index are indexed on the next start.
    await relay.close();
    const without = await startRelay({
      auth,
      collections: [notes],
      rules: asFunction,
      storage: store.open(),
    });
    const changed = new Map(model);
    await write(without.httpUrl, changed, 'n3', { owner: model.get('n3')!.owner, readers: [...USERS] });
    await write(without.httpUrl, changed, 'n16', { owner: 'kim', readers: ['eve'] });
    await without.close();
    const again = await startRelay({ auth, collections: [notes], rules: indexed, storage: store.open() });
    await expectSameAsRule(again.url, changed);
  });
});

describe('a sync under a read rule', () => {
  it('stops with TooLarge past maxRecordsDecidedPerSync, as a function and indexed, and follows nothing', async () => {
    const asFunction: Rules = {
      notes: { read: (user, note) => note.owner === user.id || (note.readers as string[]).includes(user.id) },
    };
    for (const rules of [asFunction, indexed]) {
      const relay = await startRelay({
        auth,
        collections: [notes],
        rules,
        limits: { maxRecordsDecidedPerSync: 3 },
      });
      const model = new Map<string, Note>();
      for (let i = 0; i < 3; i++)
        await write(relay.httpUrl, model, `n${i}`, { owner: 'ana', readers: ['ben'] });
      // Ben may read 3 records: within the limit.
      expect((await syncAs(relay.url, 'ben')).received).toEqual(readableBy(model, 'ben'));
      await write(relay.httpUrl, model, 'n3', { owner: 'ana', readers: ['ben'] });
      const ben = await RawClient.hello(relay.url, 'ben');
      const collections = [{ collection: 'notes', cursor: '', updatedSince: 0 }];
      ben.send({ type: 'subscribe', id: 1, collections, documents: [] });
      const done = await ben.next('sync', (m) => m.id === 1 && m.done);
      const error = await ben.next('document-error');
      expect(error).toMatchObject({ name: 'notes', code: DocumentErrorCode.TooLarge });
      expect(error.message).toContain('maxRecordsDecidedPerSync');
      expect(done.cursors).toEqual([]);
      // Not followed: a later change is not sent.
      await write(relay.httpUrl, model, 'n0', { owner: 'ana', readers: ['ben'] });
      ben.send({ type: 'ping', id: 9 });
      await ben.next('pong');
      expect(ben.messages.filter((m) => m.type === 'updates')).toEqual([]);
    }
  });
});
