import 'fake-indexeddb/auto';
import { createFerry, defineCollection, IndexedDBStorage, type PeerPresence, t } from '@ferry/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { onCleanup, startClient, startRelay, until } from './helpers.js';

const drafts = defineCollection('drafts', { subject: t.string(), body: t.text().default('') });

describe('presence', () => {
  it('shows who else is on a record, and clears them when they leave or go offline', async () => {
    const relay = await startRelay();
    const ana = await startClient(relay);
    const bo = await startClient(relay);
    const draft = await ana.collection(drafts).create({ subject: 'Offer' }, { id: 'd' });
    await ana.whenSynced();
    const boDrafts = bo.collection(drafts);
    await bo.whenSynced();

    const anaHere = draft.presence();
    const boHere = boDrafts.get('d')!.presence();
    anaHere.set({ user: 'Ana', field: 'body' });
    boHere.set({ user: 'Bo', field: 'subject' });
    const sees = (user: string) => (others: readonly PeerPresence[]) =>
      others.some((o) => o.state.user === user);
    await until(
      (l) => anaHere.on('change', l),
      () => sees('Bo')(anaHere.others),
    );
    await until(
      (l) => boHere.on('change', l),
      () => sees('Ana')(boHere.others),
    );
    expect(anaHere.others.map((o) => o.state)).toEqual([{ user: 'Bo', field: 'subject' }]);

    boHere.update({ field: 'body' });
    await until(
      (l) => anaHere.on('change', l),
      () => anaHere.others[0]?.state.field === 'body',
    );

    bo.sync!.disconnect();
    expect(boHere.others).toEqual([]);
    await until(
      (l) => anaHere.on('change', l),
      () => anaHere.others.length === 0,
    );

    bo.sync!.connect();
    await until(
      (l) => anaHere.on('change', l),
      () => anaHere.others.length === 1,
    );
    boHere.leave();
    await until(
      (l) => anaHere.on('change', l),
      () => anaHere.others.length === 0,
    );
  });
});

describe('undo', () => {
  it('undoes the local user’s own changes only, never a merged one', async () => {
    const relay = await startRelay();
    const ana = await startClient(relay);
    const bo = await startClient(relay);
    const draft = await ana.collection(drafts).create({ subject: 'v1', body: 'Hello' }, { id: 'd' });
    await ana.whenSynced();
    const boDrafts = bo.collection(drafts);
    await bo.whenSynced();

    await draft.set('subject', 'v2 by Ana');
    await boDrafts.get('d')!.set('body', 'Hello from Bo');
    await bo.whenSynced();
    await until(
      (l) => draft.on('change', l),
      () => draft.get('body') === 'Hello from Bo',
    );
    draft.undo();
    expect(draft.get('subject')).toBe('v1');
    expect(draft.get('body')).toBe('Hello from Bo');
    draft.redo();
    expect(draft.get('subject')).toBe('v2 by Ana');
  });
});

describe('tabs', () => {
  it('shares changes between two tabs on one IndexedDB at once, and loses no write to the same record', async () => {
    const indexedDB = new IDBFactory();
    const open = () =>
      createFerry({ storage: new IndexedDBStorage({ indexedDB, name: 'app' }), tabs: 'ferry:app-test' });
    const tab1 = await open();
    const tab2 = await open();
    onCleanup(() => tab1.close());
    onCleanup(() => tab2.close());
    const one = tab1.collection(drafts);
    const two = tab2.collection(drafts);
    await one.create({ subject: 'from tab 1', body: 'abc' }, { id: 'x' });
    await until(
      (l) => two.on('change', l),
      () => two.get('x') !== undefined,
    );
    await Promise.all([one.get('x')!.set('body', 'abc, one'), two.get('x')!.set('subject', 'from tab 2')]);
    two.get('x')!.text('body').insert(0, 'two: ');
    await until(
      (l) => one.on('change', l),
      () => one.get('x')!.get('body').startsWith('two: '),
    );
    await tab1.flush();
    await tab2.flush();
    const reopened = await createFerry({
      storage: new IndexedDBStorage({ indexedDB, name: 'app' }),
      tabs: false,
    });
    onCleanup(() => reopened.close());
    expect(reopened.collection(drafts).get('x')?.value).toEqual({
      id: 'x',
      subject: 'from tab 2',
      body: 'two: abc, one',
    });
  });
});

describe('which records a client keeps', () => {
  it('replicates only the listed ids, or only records changed recently', async () => {
    let now = Date.UTC(2026, 0, 1);
    const relay = await startRelay({ now: () => now });
    const writer = await startClient(relay);
    const all = writer.collection(drafts);
    await all.create({ subject: 'old' }, { id: 'old' });
    await writer.whenSynced();
    now = Date.UTC(2026, 5, 1);
    await all.create({ subject: 'recent' }, { id: 'recent' });
    await all.create({ subject: 'picked' }, { id: 'picked' });
    await writer.whenSynced();

    const byIds = await startClient(relay);
    const picked = byIds.collection(drafts, { replicate: { ids: ['picked'] } });
    await byIds.whenSynced();
    expect(picked.list().map((r) => r.id)).toEqual(['picked']);

    const recentOnly = await startClient(relay);
    const recent = recentOnly.collection(drafts, { replicate: { updatedSince: Date.UTC(2026, 3, 1) } });
    await recentOnly.whenSynced();
    expect(
      recent
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['picked', 'recent']);
  });
});
