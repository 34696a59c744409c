/**
 * The device's outbox across tabs, without a relay: two replicas on one store share changes over a
 * BroadcastChannel, and the test plays the relay's acknowledgements, in the orders a real relay may give.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryStorage, Replica } from '../src/index.js';
import { TabChannel } from '../src/replica/TabChannel.js';
import { Outbox } from '../src/sync/Outbox.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

let channels = 0;

/** Tabs of one device: each a replica of the shared store with its outbox, wired as SyncClient wires it. */
async function device() {
  const storage = new MemoryStorage();
  const channel = `ferry:outbox-test-${process.pid}-${channels++}`;
  return {
    storage,
    async tab() {
      const replica = await Replica.open(storage);
      const tabs = new TabChannel(channel);
      tabs.attach(replica);
      const outbox = new Outbox(replica, () => {});
      replica.on('change', ({ name, updates, made }) => {
        if (made && !name.startsWith('~')) outbox.changed(name, updates, made);
      });
      closers.push(async () => {
        tabs.close();
        await replica.close();
      });
      return { replica, outbox };
    },
  };
}

type Tab = Awaited<ReturnType<Awaited<ReturnType<typeof device>>['tab']>>;

/** Resolves once `tab` has applied a change to `name` for which `check` holds. */
function until(tab: Tab, name: string, check: () => boolean): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = tab.replica.on('change', (change) => {
      if ((change.name === name || change.name === '~ferry/sync') && check()) {
        off();
        resolve();
      }
    });
  });
}

const type = (tab: Tab, text: string) => {
  const body = tab.replica.open('notes/a').getText('body');
  body.insert(body.length, text);
};
const bodyOf = (tab: Tab) => tab.replica.open('notes/a').getText('body').toString();

/** What the tab sends for the record now, and the acknowledgement the relay would answer it with. */
function send(tab: Tab) {
  const payload = tab.outbox.payload('notes/a', tab.replica.get('notes/a')!);
  tab.outbox.sent('notes/a', payload.carries);
  return () => tab.outbox.transact(() => tab.outbox.saved('notes/a', payload.carries, payload.stateVector));
}

describe('the device outbox', () => {
  it('removes on acknowledgement only the changes the push carried, whichever tab made them', async () => {
    const phone = await device();
    const a = await phone.tab();
    const b = await phone.tab();
    type(a, 'one ');
    await until(b, 'notes/a', () => bodyOf(b) === 'one ');
    const ackFirst = send(a);
    expect(a.outbox.status('notes/a')).toBe('sent');

    // B types while A's push is on its way; A applies it before the acknowledgement comes.
    type(b, 'two ');
    await until(a, 'notes/a', () => bodyOf(a) === 'one two ');
    expect(a.outbox.status('notes/a')).toBe('local');
    ackFirst();
    await a.replica.flush();
    await b.replica.flush();
    await until(b, 'notes/a', () => b.outbox.size === 1 && b.outbox.status('notes/a') === 'local');
    for (const tab of [a, b]) {
      expect(tab.outbox.size).toBe(1);
      expect(tab.outbox.status('notes/a')).toBe('local');
    }

    // The next push carries B's change: both tabs learn the record is saved.
    const ackSecond = send(a);
    ackSecond();
    expect(a.outbox.status('notes/a')).toBe('saved');
    await until(b, 'notes/a', () => b.outbox.size === 0);
    expect(b.outbox.status('notes/a')).toBe('saved');
  });

  it('keeps the mark of a change made in another tab before the push but not yet seen by the sender', async () => {
    const phone = await device();
    const a = await phone.tab();
    const b = await phone.tab();
    type(a, 'one ');
    await until(b, 'notes/a', () => bodyOf(b) === 'one ');
    // B's change and its mark are written before A hears of either: A's push cannot carry it.
    type(b, 'two ');
    const ack = send(a);
    expect(bodyOf(a)).toBe('one ');
    ack();
    await b.replica.flush();
    await until(a, 'notes/a', () => bodyOf(a) === 'one two ');
    await a.replica.flush();
    await until(b, 'notes/a', () => b.outbox.size === 1);
    for (const tab of [a, b]) expect(tab.outbox.status('notes/a')).toBe('local');
    send(a)();
    await until(b, 'notes/a', () => b.outbox.size === 0);
  });

  it('reopens with every unsaved change of any tab pending, and sends it whole', async () => {
    const phone = await device();
    const a = await phone.tab();
    const b = await phone.tab();
    type(b, 'from b ');
    await until(a, 'notes/a', () => bodyOf(a) === 'from b ');
    await a.replica.flush();
    await b.replica.flush();
    const c = await phone.tab();
    expect(c.outbox.pending()).toEqual(['notes/a']);
    const relay = new Y.Doc();
    const payload = c.outbox.payload('notes/a', c.replica.get('notes/a')!);
    Y.applyUpdate(relay, payload.update);
    expect(relay.getText('body').toString()).toBe('from b ');
    c.outbox.sent('notes/a', payload.carries);
    c.outbox.transact(() => c.outbox.saved('notes/a', payload.carries, payload.stateVector));
    expect(c.outbox.size).toBe(0);
    await until(a, 'notes/a', () => a.outbox.size === 0);
    await until(b, 'notes/a', () => b.outbox.size === 0);
  });
});
