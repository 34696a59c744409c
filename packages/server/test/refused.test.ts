import 'fake-indexeddb/auto';
import {
  createFerry,
  DocumentErrorCode,
  defineCollection,
  IndexedDBStorage,
  type RecordSyncStatus,
  type RejectedChange,
  t,
} from '@ferry/core';
import type { Access, RelayAuth } from '@ferry/server';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { NodeWebSocket, onCleanup, startClient, startRelay, until } from './helpers.js';

const notes = defineCollection('notes', { title: t.string(), body: t.text() });

/** Tokens are user names; each user's access to `notes` can change while the relay runs. */
function switchableAuth(access: Map<string, Access>): RelayAuth {
  return {
    authenticate: (token) => ({ id: token }),
    authorize: (principal, name) =>
      access.get(`${principal.id}:${name}`) ?? access.get(principal.id) ?? 'none',
  };
}

/** Resolves with the next `rejected` event of a client. */
function nextRejection(client: Awaited<ReturnType<typeof startClient>>): Promise<RejectedChange> {
  return new Promise((resolve) => {
    const off = client.sync!.on('rejected', (rejected) => {
      off();
      resolve(rejected);
    });
  });
}

async function seed(relay: { url: string }) {
  const writer = await startClient(relay, { token: 'ana' });
  await writer.collection(notes).create({ title: 'original', body: 'accepted text' }, { id: 'a' });
  await writer.whenSynced();
  return writer;
}

describe('refused writes', () => {
  it("a read-only user's edit is rejected with its reason, rolled back, and the client is synced", async () => {
    const access = new Map<string, Access>([
      ['ana', 'write'],
      ['rob', 'read'],
    ]);
    const relay = await startRelay({ auth: switchableAuth(access) });
    await seed(relay);
    const reader = await startClient(relay, { token: 'rob' });
    const readerNotes = reader.collection(notes);
    await reader.whenSynced();
    const record = readerNotes.get('a')!;
    const statuses: RecordSyncStatus[] = [];
    record.on('status', (status) => statuses.push(status));

    // The reader's own changes win every concurrent-write tie (the highest client id): the refused title
    // would hide Ana's later rename unless the client keeps showing the relay's state.
    record.doc.clientID = 0xfffffffe;
    const rejection = nextRejection(reader);
    const onRecord: RejectedChange[] = [];
    record.on('rejected', (rejected) => onRecord.push(rejected));
    await record.update({ title: 'hijacked' });
    record.text('body').insert(0, 'sneaky ');
    const saved = record.whenSaved();
    await reader.whenSynced();
    await expect(saved).rejects.toMatchObject({ code: 'rejected', reason: DocumentErrorCode.ReadOnly });

    const rejected = await rejection;
    expect(rejected.name).toBe('notes/a');
    expect(rejected.code).toBe(DocumentErrorCode.ReadOnly);
    expect(rejected.message).toMatch(/read but not change/);
    // Rolled back, nothing pending, and the client says why.
    expect(record.get('title')).toBe('original');
    expect(record.get('body')).toBe('accepted text');
    expect(reader.sync!.status.pending).toBe(0);
    expect(record.status).toBe('rejected');
    expect(statuses).toContain('rejected');
    expect(onRecord.map((r) => r.code)).toContain(DocumentErrorCode.ReadOnly);
    // The refused change is kept for the app: the update as sent, and the record as it was.
    const attempted = new Y.Doc();
    Y.applyUpdate(attempted, rejected.attempted!);
    expect(attempted.getMap('fields').get('title')).toBe('hijacked');
    expect(rejected.change!.byteLength).toBeGreaterThan(0);

    // The relay and other clients never saw it, and the reader keeps receiving accepted changes.
    const other = await startClient(relay, { token: 'ana' });
    const otherNotes = other.collection(notes);
    await other.whenSynced();
    expect(otherNotes.get('a')!.get('title')).toBe('original');
    await otherNotes.update('a', { title: 'renamed by ana' });
    await other.whenSynced();
    await until(
      (listener) => readerNotes.on('change', listener),
      () => record.get('title') === 'renamed by ana',
    );
    expect(reader.sync!.status.pending).toBe(0);
  });

  it('an edit made offline that the relay refuses on reconnect is rolled back; retry() writes it again', async () => {
    const access = new Map<string, Access>([
      ['ana', 'write'],
      ['ben', 'write'],
    ]);
    const relay = await startRelay({ auth: switchableAuth(access) });
    await seed(relay);
    const ben = await startClient(relay, { token: 'ben' });
    const benNotes = ben.collection(notes);
    await ben.whenSynced();
    ben.sync!.disconnect();
    await benNotes.update('a', { title: 'offline edit' });
    await benNotes.create({ title: 'new while offline', body: '' }, { id: 'b' });
    expect(ben.sync!.status.pending).toBe(2);

    // Ben's access is lowered to read while he is offline.
    access.set('ben', 'read');
    const rejections: RejectedChange[] = [];
    ben.sync!.on('rejected', (rejected) => rejections.push(rejected));
    ben.sync!.connect();
    await ben.whenSynced();

    expect(rejections.map((r) => [r.name, r.code]).sort()).toEqual([
      ['notes/a', DocumentErrorCode.ReadOnly],
      ['notes/b', DocumentErrorCode.ReadOnly],
    ]);
    expect(ben.sync!.status.pending).toBe(0);
    expect(benNotes.get('a')!.get('title')).toBe('original');
    // A record the relay never accepted rolls back to nothing.
    expect(benNotes.get('b')).toBeUndefined();

    // Write access back: retrying the refused change sends it, and the relay takes it.
    access.set('ben', 'write');
    ben.sync!.disconnect();
    ben.sync!.connect();
    rejections.find((r) => r.name === 'notes/a')!.retry();
    expect(benNotes.get('a')!.get('title')).toBe('offline edit');
    await ben.whenSynced();
    expect(benNotes.get('a')!.status).toBe('saved');
    const check = await startClient(relay, { token: 'ana' });
    const checked = check.collection(notes);
    await check.whenSynced();
    expect(checked.get('a')!.get('title')).toBe('offline edit');
    expect(checked.get('a')!.get('body')).toBe('accepted text');
  });

  it('a record-level authorize answering none: the new record is refused as Forbidden and rolls back to nothing', async () => {
    const access = new Map<string, Access>([
      ['ana', 'write'],
      ['eve', 'write'],
      ['eve:notes/secret', 'none'],
    ]);
    const relay = await startRelay({ auth: switchableAuth(access) });
    await seed(relay);
    const eve = await startClient(relay, { token: 'eve' });
    const eveNotes = eve.collection(notes);
    await eve.whenSynced();
    const rejections: RejectedChange[] = [];
    eve.sync!.on('rejected', (rejected) => rejections.push(rejected));
    await eveNotes.create({ title: 'mine now', body: '' }, { id: 'secret' });
    await eveNotes.update('a', { title: 'edited by eve' });
    await eve.whenSynced();

    expect(rejections.map((r) => [r.name, r.code])).toEqual([['notes/secret', DocumentErrorCode.Forbidden]]);
    expect(eveNotes.get('secret')).toBeUndefined();
    expect(eveNotes.get('a')!.status).toBe('saved');
    expect(eve.sync!.status.pending).toBe(0);
  });

  it("one tab's refused edit, sent by another tab, leaves the device's shared outbox in both", async () => {
    const access = new Map<string, Access>([
      ['ana', 'write'],
      ['rob', 'read'],
    ]);
    const relay = await startRelay({ auth: switchableAuth(access) });
    await seed(relay);
    const indexedDB = new IDBFactory();
    const openTab = async (online: boolean) => {
      const tab = await createFerry({
        storage: new IndexedDBStorage({ indexedDB, name: 'app' }),
        tabs: `ferry:refused-test-${process.pid}`,
        url: relay.url,
        webSocket: NodeWebSocket,
        token: 'rob',
        sync: { manual: !online, backoff: { min: 10, max: 200 } },
      });
      onCleanup(() => tab.close());
      return tab;
    };
    const online = await openTab(true);
    online.collection(notes);
    await online.whenSynced();
    const offline = await openTab(false);
    const offlineNotes = offline.collection(notes);
    await until(
      (listener) => offlineNotes.on('change', listener),
      () => offlineNotes.get('a')?.get('title') === 'original',
    );

    const rejection = nextRejection(online);
    const toldOffline = nextRejection(offline);
    const updated = offlineNotes.update('a', { title: 'from the offline tab' });
    const offlineSaved = offlineNotes.whenSaved('a').then(
      () => 'saved',
      (error: Error) => error.message,
    );
    await updated;
    expect((await rejection).code).toBe(DocumentErrorCode.ReadOnly);
    // The tab that made the edit hears of the refusal too, with its reason, and whoever waited on it.
    const told = await toldOffline;
    expect([told.name, told.code]).toEqual(['notes/a', DocumentErrorCode.ReadOnly]);
    expect(await offlineSaved).toMatch(/refused/);
    await online.whenSynced();
    expect(online.sync!.status.pending).toBe(0);
    // The other tab sees the rollback and no pending change, without ever connecting.
    await until(
      (listener) => offline.sync!.on('status', listener),
      () => offline.sync!.status.pending === 0,
    );
    await until(
      (listener) => offlineNotes.on('change', listener),
      () => offlineNotes.get('a')!.get('title') === 'original',
    );
    expect(online.collection(notes).get('a')!.get('title')).toBe('original');
    expect(offlineNotes.get('a')!.status).toBe('rejected');
    expect(online.collection(notes).get('a')!.status).toBe('rejected');
  });
});
