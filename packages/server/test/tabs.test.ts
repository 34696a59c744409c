/**
 * Several tabs of one app on one device (one IndexedDB, one BroadcastChannel name), with a relay: no tab's
 * edit is lost when a tab closes or dies, any tab sends what any tab left unsent, and every tab tells the
 * device's truth about what the relay holds. The Chromium tests (tabs.browser.test.ts) repeat these with a
 * real browser's IndexedDB, BroadcastChannel and crashes.
 */
import 'fake-indexeddb/auto';
import { createFerry, defineCollection, IndexedDBStorage, type LocalStorage, t } from '@ferry/core';
import { MemoryLocks } from '@ferry/core/testing';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { NodeWebSocket, onCleanup, startClient, startRelay, until } from './helpers.js';

const drafts = defineCollection('drafts', { subject: t.string(), body: t.text().default('') });

let devices = 0;

/** One device: its IndexedDB and the BroadcastChannel name its tabs share. */
function device() {
  const indexedDB = new IDBFactory();
  const channel = `ferry:tabs-test-${process.pid}-${devices++}`;
  return { indexedDB, channel };
}

type Device = ReturnType<typeof device>;

/** A tab of the app on `on`: its own client on the device's store, offline until told otherwise. */
async function openTab(
  on: Device,
  relay: { url: string },
  options: { online?: boolean; storage?: LocalStorage; locks?: MemoryLocks; token?: string } = {},
) {
  const tab = await createFerry({
    storage: options.storage ?? new IndexedDBStorage({ indexedDB: on.indexedDB, name: 'app' }),
    tabs: on.channel,
    locks: options.locks,
    url: relay.url,
    token: options.token,
    webSocket: NodeWebSocket,
    actor: 'ana',
    sync: { manual: !options.online, backoff: { min: 10, max: 200 } },
  });
  // A tab whose store died cannot finish its writes when closed: that is the point of it.
  onCleanup(() => tab.close().catch((error) => (options.storage ? undefined : Promise.reject(error))));
  return tab;
}

type Tab = Awaited<ReturnType<typeof openTab>>;

/** The body of draft `id` as the relay has it, read by a new device. */
async function relayBody(relay: { url: string }, id: string): Promise<string | undefined> {
  const fresh = await startClient(relay, { tabs: false });
  const collection = fresh.collection(drafts);
  await fresh.whenSynced();
  const body = collection.get(id)?.get('body');
  await fresh.close();
  return body;
}

/** Waits until `tab` shows draft `id` with `body`. */
async function showsBody(tab: Tab, id: string, body: string): Promise<void> {
  const collection = tab.collection(drafts);
  await until(
    (l) => collection.on('change', l),
    () => collection.get(id)?.get('body') === body,
  );
}

const append = (tab: Tab, id: string, words: string) => {
  const text = tab.collection(drafts).get(id)!.text('body');
  text.insert(text.length, words);
};

/** Starts with draft `d` holding "base." on the relay and on the device. */
async function withBaseDraft(relay: { url: string }, on: Device): Promise<void> {
  const first = await openTab(on, relay, { online: true });
  await first.collection(drafts).create({ subject: 'Offer', body: 'base.' }, { id: 'd' });
  await first.whenSynced();
  await first.close();
}

/** A store whose writes stop reaching IndexedDB once it dies: the tab is gone before its next write lands. */
class DyingStorage implements LocalStorage {
  #dead = false;
  constructor(private readonly inner: LocalStorage) {}
  die(): void {
    this.#dead = true;
  }
  loadAll() {
    return this.inner.loadAll();
  }
  load(name: string) {
    return this.inner.load(name);
  }
  append(name: string, update: Uint8Array, doc?: Y.Doc): Promise<void> {
    return this.#dead ? Promise.reject(new Error('the tab is gone')) : this.inner.append(name, update, doc);
  }
  remove(name: string): Promise<void> {
    return this.#dead ? Promise.reject(new Error('the tab is gone')) : this.inner.remove(name);
  }
  close(): Promise<void> {
    return this.#dead ? Promise.resolve() : this.inner.close();
  }
}

describe('several tabs of one app', () => {
  it('sends the offline edits of a closed tab from the tab that goes online, and later edits with them', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const a = await openTab(on, relay);
    const b = await openTab(on, relay);
    a.collection(drafts);
    b.collection(drafts);
    append(b, 'd', ' B-offline.');
    await showsBody(a, 'd', 'base. B-offline.');
    await b.close();

    a.sync!.connect();
    await a.whenSynced();
    expect(a.collection(drafts).get('d')!.status).toBe('saved');
    expect(await relayBody(relay, 'd')).toBe('base. B-offline.');

    append(a, 'd', ' A-online.');
    await a.collection(drafts).get('d')!.whenSaved();
    expect(await relayBody(relay, 'd')).toBe('base. B-offline. A-online.');
  });

  it('keeps the keystrokes of a tab that died before storing them, and the other tab’s words after them', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const a = await openTab(on, relay);
    const dying = new DyingStorage(new IndexedDBStorage({ indexedDB: on.indexedDB, name: 'app' }));
    const b = await openTab(on, relay, { storage: dying });
    a.collection(drafts);
    b.collection(drafts);
    // B's keystroke reaches A, then B dies before its own write lands.
    dying.die();
    append(b, 'd', ' Bword');
    await showsBody(a, 'd', 'base. Bword');
    b.sync!.close();
    append(a, 'd', ' and A wrote this later.');
    await a.close();

    const reloaded = await openTab(on, relay);
    const body = 'base. Bword and A wrote this later.';
    expect(reloaded.collection(drafts).get('d')!.get('body')).toBe(body);
    reloaded.sync!.connect();
    await reloaded.whenSynced();
    expect(await relayBody(relay, 'd')).toBe(body);
  });

  it('tells the same pending count and record status in every tab', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const a = await openTab(on, relay);
    const b = await openTab(on, relay);
    a.collection(drafts);
    b.collection(drafts);
    append(b, 'd', ' unsent.');
    await showsBody(a, 'd', 'base. unsent.');
    await b.flush();
    await a.flush();
    for (const tab of [a, b]) {
      expect(tab.sync!.status.pending).toBe(1);
      expect(tab.collection(drafts).get('d')!.status).toBe('local');
    }

    // B goes online and sends; A, offline still, learns that the relay has it.
    b.sync!.connect();
    await b.whenSynced();
    await until(
      (l) => a.sync!.on('status', l),
      () => a.sync!.status.pending === 0,
    );
    expect(a.collection(drafts).get('d')!.status).toBe('saved');
    expect(await relayBody(relay, 'd')).toBe('base. unsent.');
  });

  it('shows the device’s person once on another device, however many tabs are on the record', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const a = await openTab(on, relay, { online: true });
    const b = await openTab(on, relay, { online: true });
    const other = await startClient(relay, { tabs: false, actor: 'bo' });
    const there = other.collection(drafts);
    await other.whenSynced();
    const watching = there.get('d')!.presence();
    watching.set({ user: 'Bo' });
    a.collection(drafts).get('d')!.presence().set({ user: 'Ana', field: 'body' });
    await until(
      (l) => watching.on('change', l),
      () => watching.others.some((o) => o.state.field === 'body'),
    );
    // The same person in a second tab: the newest state stands for the device.
    b.collection(drafts).get('d')!.presence().set({ user: 'Ana', field: 'subject' });
    await until(
      (l) => watching.on('change', l),
      () => watching.others.some((o) => o.state.field === 'subject'),
    );
    expect(watching.others.map((o) => o.state)).toEqual([{ user: 'Ana', field: 'subject' }]);
    // Nor does one tab see the other tab of its own device as someone else.
    const inA = a.collection(drafts).get('d')!.presence();
    await until(
      (l) => inA.on('change', l),
      () => inA.others.some((o) => o.state.user === 'Bo'),
    );
    expect(inA.others.map((o) => o.state)).toEqual([{ user: 'Bo' }]);
  });
});

const notes = defineCollection('notes', { title: t.string() });

/** The sync connections the relay holds open now. */
async function syncConnections(relay: Awaited<ReturnType<typeof startRelay>>): Promise<number> {
  const { values } = await relay.metrics.connections.get();
  return values.find((value) => value.labels.protocol === 'sync')?.value ?? 0;
}

/** Resolves once the tab says it leads (or follows) and the device's connection is online. */
const untilOnlineAs = (tab: Tab, role: 'leader' | 'follower') =>
  until(
    (l) => tab.sync!.on('status', l),
    () => tab.sync!.role === role && tab.sync!.status.connection === 'online',
  );

describe('one connection per device, with Web Locks (in memory here)', () => {
  it('connects through one tab, sends what the others type, and hands over when that tab closes', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const locks = new MemoryLocks();
    const [leader, first, second] = [
      await openTab(on, relay, { online: true, locks }),
      await openTab(on, relay, { online: true, locks }),
      await openTab(on, relay, { online: true, locks }),
    ] as [Tab, Tab, Tab];
    for (const tab of [leader, first, second]) tab.collection(drafts);
    await untilOnlineAs(leader, 'leader');
    for (const tab of [first, second]) await untilOnlineAs(tab, 'follower');
    await expect.poll(() => syncConnections(relay)).toBe(1);

    const statuses = [first, second].map((tab) => {
      const seen: string[] = [];
      tab.sync!.watchStatus('drafts/d', (status) => {
        if (seen.at(-1) !== status) seen.push(status);
      });
      return seen;
    });
    append(first, 'd', ' F.');
    await first.collection(drafts).get('d')!.whenSaved();
    for (const tab of [leader, first, second]) {
      await until(
        (l) => tab.sync!.on('status', l),
        () => tab.sync!.status.pending === 0,
      );
      expect(tab.collection(drafts).get('d')!.status).toBe('saved');
    }
    await second.whenSynced();
    expect(await relayBody(relay, 'd')).toBe('base. F.');
    // The followers show the leader's push as it goes: `sent`, then `saved`.
    expect(statuses[0]).toEqual(['local', 'sent', 'saved']);
    expect(statuses[1]!.slice(-2)).toEqual(['sent', 'saved']);

    await leader.close();
    await untilOnlineAs(first, 'leader');
    append(second, 'd', ' after.');
    await second.collection(drafts).get('d')!.whenSaved();
    expect(await relayBody(relay, 'd')).toBe('base. F. after.');
    await expect.poll(() => syncConnections(relay)).toBe(1);
  });

  it('subscribes the leader to what only a follower opened, and drops it when that tab closes', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const locks = new MemoryLocks();
    const leader = await openTab(on, relay, { online: true, locks });
    const follower = await openTab(on, relay, { online: true, locks });
    leader.collection(drafts);
    await untilOnlineAs(follower, 'follower');
    const followerNotes = follower.collection(notes);
    await follower.whenSynced();

    const other = await startClient(relay, { tabs: false });
    const otherDrafts = other.collection(drafts);
    await other.collection(notes).create({ title: 'for the follower' }, { id: 'n' });
    await other.whenSynced();
    await until(
      (l) => followerNotes.on('change', l),
      () => followerNotes.get('n')?.get('title') === 'for the follower',
    );

    await follower.close();
    // Gone once the follower's lock is free: the leader unsubscribes, then hears of nothing more in notes.
    await other.collection(notes).create({ title: 'nobody follows notes' }, { id: 'n2' });
    await other.whenSynced();
    otherDrafts.get('d')!.text('body').insert(0, '> ');
    await other.whenSynced();
    await showsBody(leader, 'd', '> base.');
    expect(leader.documents.get('notes/n2')).toBeUndefined();
    expect(leader.documents.get('notes/n')).toBeDefined();
  });

  it('stays online while many tabs come and go with presence on one record, and shows the person once', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const locks = new MemoryLocks();
    const leader = await openTab(on, relay, { online: true, locks });
    leader.collection(drafts);
    await untilOnlineAs(leader, 'leader');
    const other = await startClient(relay, { tabs: false, actor: 'bo' });
    const there = other.collection(drafts);
    await other.whenSynced();
    const watching = there.get('d')!.presence();
    watching.set({ user: 'Bo' });
    // More tabs than the relay takes presence client ids from one connection on one record (8).
    for (let i = 0; i < 10; i++) {
      const tab = await openTab(on, relay, { online: true, locks });
      tab.collection(drafts);
      await untilOnlineAs(tab, 'follower');
      tab.collection(drafts).get('d')!.presence().set({ user: 'Ana', tab: i });
      await until(
        (l) => watching.on('change', l),
        () => watching.others.length === 1 && watching.others[0]!.state.tab === i,
      );
      await tab.close();
    }
    expect(leader.sync!.status).toMatchObject({ connection: 'online', error: undefined });
  });

  it('takes a follower’s disconnect() and connect() to the device’s one connection', async () => {
    const relay = await startRelay();
    const on = device();
    await withBaseDraft(relay, on);
    const locks = new MemoryLocks();
    const leader = await openTab(on, relay, { online: true, locks });
    const follower = await openTab(on, relay, { online: true, locks });
    await untilOnlineAs(follower, 'follower');
    const connection = (state: string) => (tab: Tab) =>
      until(
        (l) => tab.sync!.on('status', l),
        () => tab.sync!.status.connection === state,
      );
    follower.sync!.disconnect();
    for (const tab of [leader, follower]) await connection('offline')(tab);
    await expect.poll(() => syncConnections(relay)).toBe(0);
    follower.sync!.connect();
    for (const tab of [leader, follower]) await connection('online')(tab);
    await expect.poll(() => syncConnections(relay)).toBe(1);
  });
});

describe('the device’s sync status in every tab', () => {
  it('shows the followers what the leader shows: unreachable with its next retry, then stopped', async () => {
    const relay = await startRelay();
    const on = device();
    const locks = new MemoryLocks();
    const leader = await openTab(on, relay, { online: true, locks });
    const follower = await openTab(on, relay, { online: true, locks });
    await untilOnlineAs(follower, 'follower');
    await until(
      (l) => follower.sync!.on('status', l),
      () => follower.sync!.status.state === 'synced',
    );

    await relay.close();
    await until(
      (l) => leader.sync!.on('status', l),
      () => leader.sync!.status.state === 'unreachable',
    );
    // The leader retries every few milliseconds here: its word reaches the follower a moment later.
    await until(
      (l) => follower.sync!.on('status', l),
      () =>
        follower.sync!.status.state === 'unreachable' &&
        follower.sync!.status.nextRetryAt?.getTime() === leader.sync!.status.nextRetryAt?.getTime(),
    );
    expect(follower.sync!.status.connection).toBe('offline');

    follower.sync!.disconnect();
    for (const tab of [leader, follower])
      await until(
        (l) => tab.sync!.on('status', l),
        () => tab.sync!.status.state === 'stopped' && tab.sync!.status.nextRetryAt === undefined,
      );
  });
});

describe('records the relay’s rules take away', () => {
  it('leave every tab of the device, the one connection’s followers included', async () => {
    const shared = defineCollection('shared', { title: t.string(), readers: t.list(t.string()).default([]) });
    const relay = await startRelay({
      collections: [shared],
      rules: { shared: { read: (user, record) => (record.readers as string[]).includes(user.id) } },
    });
    const writer = await startClient(relay, { token: 'ben', tabs: false });
    await writer.collection(shared).create({ title: 'for ana', readers: ['ana', 'ben'] }, { id: 's1' });
    await writer.whenSynced();

    const on = device();
    const locks = new MemoryLocks();
    const tabs = [
      await openTab(on, relay, { online: true, locks, token: 'ana' }),
      await openTab(on, relay, { online: true, locks, token: 'ana' }),
    ];
    for (const tab of tabs) {
      const collection = tab.collection(shared);
      await until(
        (l) => collection.on('change', l),
        () => collection.get('s1') !== undefined,
      );
    }
    expect(tabs.map((tab) => tab.sync!.role).sort()).toEqual(['follower', 'leader']);

    await writer.collection(shared).update('s1', { readers: ['ben'] });
    for (const tab of tabs) {
      const collection = tab.collection(shared);
      await until(
        (l) => collection.on('hidden', l),
        () => collection.get('s1') === undefined,
      );
    }
  });
});

describe('hand-over while every tab types', () => {
  /** Lets the tabs type for a while: the pause paces the scenario; nothing waits on it to have happened. */
  const typeFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('brings every surviving tab to saved with nothing pending, round after round', async () => {
    for (let round = 0; round < 15; round++) {
      const relay = await startRelay();
      const on = device();
      await withBaseDraft(relay, on);
      const locks = new MemoryLocks();
      const tabs = [
        await openTab(on, relay, { online: true, locks }),
        await openTab(on, relay, { online: true, locks }),
        await openTab(on, relay, { online: true, locks }),
      ] as [Tab, Tab, Tab];
      for (const tab of tabs) tab.collection(drafts);
      await untilOnlineAs(tabs[0], 'leader');
      for (const tab of tabs) await showsBody(tab, 'd', 'base.');
      // Each tab types a word every few milliseconds; the leader closes at a point that moves with the
      // round, among the others' pushes and acknowledgements.
      const typing = tabs.map((tab, i) => setInterval(() => append(tab, 'd', ` ${'abc'[i]}`), 1 + i));
      await typeFor(20 + round * 7);
      clearInterval(typing[0]);
      await tabs[0].close();
      await typeFor(30);
      clearInterval(typing[1]);
      clearInterval(typing[2]);
      append(tabs[1], 'd', ' end.');
      for (const tab of [tabs[1], tabs[2]]) {
        await until(
          (l) => tab.sync!.on('status', l),
          () => tab.sync!.status.pending === 0 && tab.collection(drafts).get('d')!.status === 'saved',
        );
      }
      await relay.close();
    }
    // Fifteen rounds, each with a relay, three tabs and a hand-over: more than one test's usual minute when
    // the machine is busy.
  }, 180_000);
});
