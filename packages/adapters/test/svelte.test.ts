import {
  fieldStore,
  presenceStore,
  queryStore,
  recordStore,
  syncProgressStore,
  syncStatusStore,
} from '@ferry/adapters/svelte';
import { createFerry, MemoryStorage, silentLogger, ValidationError, type WebSocketClass } from '@ferry/core';
import { createRelay } from '@ferry/server';
import { derived, get } from 'svelte/store';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { device, drafts } from './fixtures.js';
import { afterTest, relayForTest, relayWithDrafts } from './relay.js';

/** Subscribes and keeps every value the store gives, in order. */
function values<T>(store: { subscribe(run: (value: T) => void): () => void }): T[] {
  const seen: T[] = [];
  afterTest(store.subscribe((value) => seen.push(value)));
  return seen;
}

describe('Svelte stores', () => {
  it('recordStore gives the value at once, each change after, and undefined once deleted', async () => {
    const { drafts: collection } = await device('ana');
    const draft = await collection.create({ subject: 'Lunch' }, { id: 'd1' });
    const other = await collection.create({ subject: 'Other' }, { id: 'd2' });

    const seen = values(recordStore(draft));
    expect(seen.map((v) => v?.subject)).toEqual(['Lunch']);

    await other.set('subject', 'Still other');
    expect(seen).toHaveLength(1);
    await draft.set('subject', 'Lunch on Friday');
    await draft.delete();
    expect(seen.map((v) => v?.subject)).toEqual(['Lunch', 'Lunch on Friday', undefined]);
  });

  it('recordStore by id follows the record appearing, and works with Svelte’s own get and derived', async () => {
    const { drafts: collection } = await device('ana');
    const store = recordStore(collection, 'later');
    const subject = derived(store, (value) => value?.subject ?? '(none)');
    const seen = values(subject);

    await collection.create({ subject: 'Created now' }, { id: 'later' });
    expect(seen).toEqual(['(none)', 'Created now']);
    expect(get(store)?.subject).toBe('Created now');
  });

  it('fieldStore hears its own field only, writes through set and update, and refuses a bad value', async () => {
    const { drafts: collection } = await device('ana');
    const draft = await collection.create({ subject: 'Lunch', priority: 1 });
    const priority = fieldStore(draft, 'priority');
    const seen = values(priority);

    await draft.set('subject', 'Dinner');
    expect(seen).toEqual([1]);
    await priority.set(2);
    await priority.update((value) => (value ?? 0) + 10);
    expect(seen).toEqual([1, 2, 12]);
    expect(draft.get('priority')).toBe(12);

    expect(() => priority.set('high' as unknown as number)).toThrow(ValidationError);
    expect(seen).toEqual([1, 2, 12]);
    expect(draft.get('priority')).toBe(12);
  });

  it('queryStore keeps a live, ordered result and stops listening when the last subscriber leaves', async () => {
    const { drafts: collection } = await device('ana');
    await collection.create({ subject: 'b', folder: 'outbox' });
    await collection.create({ subject: 'a', folder: 'outbox' });
    await collection.create({ subject: 'c', folder: 'inbox' });
    const outbox = queryStore(collection, { where: { folder: 'outbox' }, orderBy: 'subject' });

    const seen: string[][] = [];
    const stop = outbox.subscribe((list) => seen.push(list.map((d) => d.subject)));
    expect(seen).toEqual([['a', 'b']]);
    await collection.create({ subject: 'aa', folder: 'outbox' });
    await vi.waitFor(() => expect(seen.at(-1)).toEqual(['a', 'aa', 'b']));

    stop();
    const count = seen.length;
    // Another store on the same query tells when the change has been delivered.
    const witness = values(queryStore(collection, { where: { folder: 'outbox' }, orderBy: 'subject' }));
    await collection.create({ subject: 'ab', folder: 'outbox' });
    await vi.waitFor(() => expect(witness.at(-1)?.map((d) => d.subject)).toEqual(['a', 'aa', 'ab', 'b']));
    expect(seen).toHaveLength(count);
    expect(get(outbox).map((d) => d.subject)).toEqual(['a', 'aa', 'ab', 'b']);
  });

  it('syncStatusStore says the relay is out of reach, and when the client tries again', async () => {
    const relay = await createRelay({ port: 0, logger: silentLogger });
    await relay.close();
    const ana = await createFerry({
      storage: new MemoryStorage(),
      url: relay.url,
      webSocket: WebSocket as unknown as WebSocketClass,
    });
    afterTest(() => ana.close());
    const seen = values(syncStatusStore(ana));
    await vi.waitFor(() => expect(seen.at(-1)?.state).toBe('unreachable'));
    expect(seen.at(-1)).toMatchObject({ connection: 'offline', nextRetryAt: expect.any(Date) });
  });

  it('syncProgressStore counts a first sync up, frame by frame, to the total the relay announced', async () => {
    const { reader } = await relayWithDrafts(200);
    const seen = values(syncProgressStore(reader));
    reader.collection(drafts);
    reader.sync!.connect();
    await reader.whenSynced();

    expect(seen[0]).toEqual({ download: undefined, upload: undefined });
    const downloads = seen.flatMap((p) => (p.download ? [p.download] : []));
    expect(downloads.some((d) => d.records > 0 && d.records < 200)).toBe(true);
    for (const [i, d] of downloads.entries())
      expect(d.records).toBeGreaterThanOrEqual(downloads[i - 1]?.records ?? 0);
    expect(downloads.at(-1)).toMatchObject({ records: 200, totalRecords: 200, done: true });
    expect(get(syncProgressStore(reader))).toBe(reader.sync!.progress);
  });

  it('with a relay: connection, a record going from local to saved, and who else is on it', async () => {
    const { client } = await relayForTest();
    const ana = await client('ana');
    const ben = await client('ben');
    await Promise.all([ana.whenSynced(), ben.whenSynced()]);
    expect(get(syncStatusStore(ana))).toMatchObject({ state: 'synced', connection: 'online' });

    const onBenDevice = ben.collection(drafts);
    const arrived = new Promise<void>((resolve) =>
      onBenDevice.on('change', ({ id }) => id === 'd1' && resolve()),
    );
    const draft = await ana.collection(drafts).create({ subject: 'Lunch' }, { id: 'd1' });
    const states = values(syncStatusStore(ana, draft));
    await draft.whenSaved();
    expect(states.at(-1)).toBe('saved');
    ana.sync!.disconnect();
    await draft.set('subject', 'Lunch on Friday');
    expect(states.at(-1)).toBe('local');
    ana.sync!.connect();
    await draft.whenSaved();
    expect(states.at(-1)).toBe('saved');

    await arrived;
    const onBen = onBenDevice.get('d1')!;
    const anaSees = values(presenceStore(draft, { user: 'ana' }));
    const benHere = presenceStore(onBen);
    const benSees = values(benHere);
    benHere.set({ user: 'ben' });
    await vi.waitFor(() => expect(anaSees.at(-1)?.map((p) => p.state.user)).toEqual(['ben']));
    await vi.waitFor(() => expect(benSees.at(-1)?.map((p) => p.state.user)).toEqual(['ana']));
  });
});
