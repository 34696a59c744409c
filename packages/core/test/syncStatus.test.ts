/**
 * What the sync status tells a person, on a fake clock: offline (no network, and then no attempt at all),
 * unreachable (with the next retry), and no `connecting` that lasts too little to be read.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createFerry,
  decodeClientMessage,
  encodeServerMessage,
  type FerryClient,
  MemoryStorage,
  PROTOCOL_VERSION,
  SHOW_WORK_AFTER_MS,
  type SyncStatus,
  type Transport,
} from '../src/index.js';

/** A device's network as the browser reports it: `onLine` and the `online`/`offline` events. */
class FakeNetwork extends EventTarget {
  onLine = true;
  set(online: boolean): void {
    this.onLine = online;
    this.dispatchEvent(new Event(online ? 'online' : 'offline'));
  }
}

/**
 * A relay on the fake clock: `down` refuses a connection 10 ms after it is tried (like a closed port), `slow`
 * never answers, `up` welcomes it 10 ms after the hello. `attempts` counts the connections tried.
 */
function fakeRelay() {
  const relay = { mode: 'down' as 'down' | 'slow' | 'up', attempts: 0 };
  const transport: Transport = {
    connect(_url, events) {
      relay.attempts++;
      let open = true;
      const end = (code: number, reason: string) => {
        if (!open) return;
        open = false;
        events.close(code, reason);
      };
      if (relay.mode === 'down') setTimeout(() => end(1006, 'connection refused'), 10);
      if (relay.mode === 'up') setTimeout(() => open && events.open(), 5);
      return {
        send(frame) {
          const { message } = decodeClientMessage(frame);
          if (message.type !== 'hello') return;
          const welcome = {
            type: 'welcome',
            version: PROTOCOL_VERSION,
            principal: 'ana',
            maxFrameBytes: 1 << 20,
          };
          setTimeout(() => open && events.message(encodeServerMessage(welcome as never, 1)), 5);
        },
        close: (code = 1000, reason = '') => end(code, reason),
      };
    },
  };
  return { relay, transport };
}

let client: FerryClient | undefined;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  vi.useRealTimers();
});

async function start(network: FakeNetwork, transport: Transport) {
  client = await createFerry({
    storage: new MemoryStorage(),
    url: 'ws://relay.test',
    transport,
    sync: { network, backoff: { min: 250, max: 5_000 } },
  });
  const seen: SyncStatus[] = [];
  client.sync!.on('status', (status) => seen.push(status));
  return { sync: client.sync!, seen };
}

/** The states a person saw, in order: an event that changes only `pending` or a time is not a change of state. */
const states = (seen: readonly SyncStatus[]) =>
  seen.map((status) => status.state).filter((state, i, all) => i === 0 || all[i - 1] !== state);

describe('sync status', () => {
  it('makes no attempt and shows one change through a minute offline, and retries at once back online', async () => {
    const network = new FakeNetwork();
    const { relay, transport } = fakeRelay();
    const { sync, seen } = await start(network, transport);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(relay.attempts).toBeGreaterThan(0);

    const attempts = relay.attempts;
    seen.length = 0;
    network.set(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(relay.attempts).toBe(attempts);
    // One status event in the whole minute, the one that says offline.
    expect(seen).toHaveLength(1);
    expect(states(seen)).toEqual(['offline']);
    expect(sync.status).toMatchObject({ state: 'offline', connection: 'offline', nextRetryAt: undefined });

    relay.mode = 'up';
    network.set(true);
    expect(relay.attempts).toBe(attempts + 1);
    await vi.advanceTimersByTimeAsync(100);
    // Welcomed within 20 ms: `connecting` was never shown.
    expect(states(seen)).toEqual(['offline', 'synced']);
  });

  it('starts offline without an attempt when the browser says the network is down', async () => {
    const network = new FakeNetwork();
    network.onLine = false;
    const { relay, transport } = fakeRelay();
    const { sync } = await start(network, transport);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(relay.attempts).toBe(0);
    expect(sync.status.state).toBe('offline');
  });

  it('stays unreachable through failed attempts, with the next retry time, and never flickers to connecting', async () => {
    const network = new FakeNetwork();
    const { relay, transport } = fakeRelay();
    const { sync, seen } = await start(network, transport);
    await vi.advanceTimersByTimeAsync(60_000);
    // It kept trying, every attempt failing within 10 ms.
    expect(relay.attempts).toBeGreaterThan(10);
    expect(new Set(states(seen))).toEqual(new Set(['unreachable']));
    for (const status of seen) {
      expect(status.connection).toBe('offline');
      expect(status.nextRetryAt).toBeInstanceOf(Date);
    }
    expect(sync.status.nextRetryAt!.getTime()).toBeGreaterThanOrEqual(Date.now());

    // Retry now: at once, not at nextRetryAt, and straight to synced once the relay is back.
    relay.mode = 'up';
    const attempts = relay.attempts;
    seen.length = 0;
    sync.connect();
    expect(relay.attempts).toBe(attempts + 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(states(seen)).toEqual(['synced']);
  });

  it(`shows connecting once an attempt has lasted ${SHOW_WORK_AFTER_MS} ms`, async () => {
    const network = new FakeNetwork();
    const { relay, transport } = fakeRelay();
    const { sync, seen } = await start(network, transport);
    await vi.advanceTimersByTimeAsync(1_000);
    relay.mode = 'slow';
    seen.length = 0;
    sync.connect();
    await vi.advanceTimersByTimeAsync(SHOW_WORK_AFTER_MS - 1);
    expect(states(seen)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(states(seen)).toEqual(['connecting']);
    expect(relay.attempts).toBeGreaterThan(1);
    expect(sync.status.connection).toBe('connecting');
  });

  it('reconnects after a dropped connection without showing it when the relay answers at once', async () => {
    const network = new FakeNetwork();
    const { relay, transport } = fakeRelay();
    relay.mode = 'up';
    const closes: (() => void)[] = [];
    const dropping: Transport = {
      connect(url, events) {
        const connection = transport.connect(url, events);
        closes.push(() => events.close(1006, 'dropped'));
        return connection;
      },
    };
    const { sync, seen } = await start(network, dropping);
    await vi.advanceTimersByTimeAsync(100);
    expect(sync.status.state).toBe('synced');
    seen.length = 0;
    closes.at(-1)!();
    // The first retry comes within the backoff's 250 ms, and is welcomed 10 ms later: before connecting shows.
    await vi.advanceTimersByTimeAsync(400);
    expect(sync.status.state).toBe('synced');
    expect(relay.attempts).toBe(2);
    expect(states(seen).filter((state) => state !== 'synced')).toEqual([]);
  });
});
