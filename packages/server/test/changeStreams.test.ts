import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { defineCollection, type Logger, silentLogger, t } from '@ferry/core';
import { MemoryServerStorage, type RelayAuth } from '@ferry/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangesOptions } from '../src/storage/ServerStorage.js';
import { onCleanup, startRelay } from './helpers.js';

const notes = defineCollection('notes', { title: t.string() });

/** Lets connections from any address in (tests connect from several loopback addresses). */
const anyone: RelayAuth = { authenticate: () => ({ id: 'anyone' }), authorize: () => 'write' };

/** Opens a change stream from `localAddress`; resolves with the response once its head arrived. */
function openStream(httpUrl: string, localAddress = '127.0.0.1', since = ''): Promise<IncomingMessage> {
  const url = new URL(`/api/collections/notes/changes${since ? `?since=${since}` : ''}`, httpUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { localAddress, headers: { accept: 'text/event-stream' } }, resolve);
    request.on('error', reject);
    request.end();
    onCleanup(() => {
      request.destroy();
    });
  });
}

async function bodyOf(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += chunk;
  return text;
}

async function post(httpUrl: string, id: string): Promise<void> {
  const response = await fetch(`${httpUrl}/api/collections/notes/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, title: id }),
  });
  expect(response.status).toBe(201);
}

/** Collects the ids of the change events a stream delivers. */
class EventReader {
  readonly ids: string[] = [];
  #buffer = '';
  #waiters: (() => void)[] = [];

  constructor(response: IncomingMessage) {
    response.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString();
      let end = this.#buffer.indexOf('\n\n');
      while (end >= 0) {
        const data = /^data: (.*)$/m.exec(this.#buffer.slice(0, end))?.[1];
        if (data) this.ids.push(JSON.parse(data).id);
        this.#buffer = this.#buffer.slice(end + 2);
        end = this.#buffer.indexOf('\n\n');
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  async until(count: number): Promise<string[]> {
    while (this.ids.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.ids;
  }
}

/** Memory storage that counts change reads and can hold the next ones until released. */
class WatchedStorage extends MemoryServerStorage {
  changeReads = 0;
  #held: (() => void)[] = [];
  #holding = 0;
  #onRead: (() => void)[] = [];

  /** The next `count` change reads wait for `release()`. */
  hold(count: number): void {
    this.#holding = count;
  }

  release(): void {
    for (const resume of this.#held.splice(0)) resume();
  }

  /** Resolves once `count` change reads have been made. */
  async whenRead(count: number): Promise<void> {
    while (this.changeReads < count) await new Promise<void>((resolve) => this.#onRead.push(resolve));
  }

  /** Resolves once `count` reads are being held. */
  async whenHolding(count: number): Promise<void> {
    while (this.#held.length < count) await new Promise<void>((resolve) => this.#onRead.push(resolve));
  }

  override async changes(collection: string, cursor: string, options?: ChangesOptions) {
    this.changeReads++;
    for (const wake of this.#onRead.splice(0)) wake();
    if (this.#holding > 0) {
      this.#holding--;
      await new Promise<void>((resolve) => {
        this.#held.push(resolve);
        for (const wake of this.#onRead.splice(0)) wake();
      });
    }
    return super.changes(collection, cursor, options);
  }
}

/** Storage whose "notes" collection has a backlog of `total` changes, made up as they are read. */
class BacklogStorage extends WatchedStorage {
  constructor(readonly total: number) {
    super();
  }

  override async changes(collection: string, cursor: string, options: ChangesOptions = {}) {
    await super.changes(collection, cursor, options);
    const from = Number(cursor || 0);
    const to = Math.min(this.total, from + (options.limit ?? 1000));
    const items = Array.from({ length: to - from }, (_, i) => ({
      name: `notes/n${from + i + 1}`,
      update: new Uint8Array([0, 0]),
      cursor: String(from + i + 1),
    }));
    return { items, cursor: String(to), more: to < this.total };
  }
}

/** A logger whose `dropped` resolves when the relay drops a change stream. */
function droppingLogger() {
  let resolve!: () => void;
  const dropped = new Promise<void>((r) => {
    resolve = r;
  });
  const logger: Logger = {
    ...(silentLogger as Logger),
    warn: (_fields, message) => {
      if (/change stream dropped/.test(String(message))) resolve();
    },
  };
  return { logger, dropped };
}

/** A client that asks for the notes' changes, takes the first bytes, then stops reading. */
async function stalledClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  onCleanup(() => {
    socket.destroy();
  });
  socket.write(
    `GET /api/collections/notes/changes HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  const received = await new Promise<string>((resolve) =>
    socket.once('data', (chunk) => resolve(chunk.toString())),
  );
  socket.pause();
  return {
    /** Reads again: whether the relay ended the stream before `total` events arrived, and how many did. */
    async readToEnd(total: number): Promise<{ ended: boolean; events: number }> {
      let events = 0;
      let pending = received;
      const count = (chunk: string) => {
        const blocks = (pending + chunk).split('\n\n');
        pending = blocks.pop()!;
        events += blocks.filter((block) => block.includes('event: change')).length;
      };
      count('');
      const ended = await new Promise<boolean>((resolve) => {
        socket.on('data', (chunk) => {
          count(chunk.toString());
          if (events >= total) resolve(false);
        });
        socket.once('end', () => resolve(true));
        socket.once('close', () => resolve(true));
        socket.resume();
      });
      return { ended, events };
    },
  };
}

describe('the change stream (SSE)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses streams beyond the per-address limit (429) and the relay-wide one (503)', async () => {
    const relay = await startRelay({
      auth: anyone,
      collections: [notes],
      limits: { maxChangeStreams: 3, maxChangeStreamsPerAddress: 2 },
    });
    const first = await openStream(relay.httpUrl, '127.0.0.1');
    expect(first.statusCode).toBe(200);
    expect((await openStream(relay.httpUrl, '127.0.0.1')).statusCode).toBe(200);
    const overAddress = await openStream(relay.httpUrl, '127.0.0.1');
    expect(overAddress.statusCode).toBe(429);
    expect(JSON.parse(await bodyOf(overAddress)).error.message).toMatch(/2 change streams .* address/);
    expect((await openStream(relay.httpUrl, '127.0.0.2')).statusCode).toBe(200);
    const overRelay = await openStream(relay.httpUrl, '127.0.0.3');
    expect(overRelay.statusCode).toBe(503);
    expect(overRelay.headers['retry-after']).toBeDefined();
    expect(JSON.parse(await bodyOf(overRelay)).error.message).toMatch(/3 change streams/);

    // A stream that ends frees its place.
    first.destroy();
    const deadline = Date.now() + 5000;
    let again = await openStream(relay.httpUrl, '127.0.0.3');
    while (again.statusCode !== 200 && Date.now() < deadline) {
      again.resume();
      again = await openStream(relay.httpUrl, '127.0.0.3');
    }
    expect(again.statusCode).toBe(200);
  });

  it('forgets a stream closed while it was being set up: reads per write do not grow', async () => {
    const storage = new WatchedStorage();
    const relay = await startRelay({ storage, collections: [notes] });
    await post(relay.httpUrl, 'first');
    // Streams whose client hangs up while the relay is still reading their cursor.
    const gone = 20;
    storage.hold(gone);
    const sockets: Socket[] = [];
    for (let i = 0; i < gone; i++) {
      const socket = connect(relay.port, '127.0.0.1');
      socket.on('error', () => {});
      // Each from its own cursor, so that their reads are not shared.
      socket.write(
        `GET /api/collections/notes/changes?since=${100 + i} HTTP/1.1\r\nHost: 127.0.0.1:${relay.port}\r\n` +
          'Accept: text/event-stream\r\n\r\n',
      );
      sockets.push(socket);
    }
    await storage.whenHolding(gone);
    await Promise.all(
      sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve).destroy())),
    );
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    storage.release();

    // One live stream, caught up; then one write: only that stream reads.
    const live = new EventReader(await openStream(relay.httpUrl));
    expect(await live.until(1)).toEqual(['first']);
    const before = storage.changeReads;
    await post(relay.httpUrl, 'second');
    expect(await live.until(2)).toEqual(['first', 'second']);
    expect(storage.changeReads - before).toBeLessThanOrEqual(2);
  });

  it('reads a backlog from storage once for many streams walking through it', async () => {
    const total = 20_000;
    const storage = new BacklogStorage(total);
    const relay = await startRelay({ storage });
    const streams = await Promise.all(
      Array.from({ length: 20 }, async () => new EventReader(await openStream(relay.httpUrl))),
    );
    await Promise.all(streams.map((stream) => stream.until(total)));
    // 20 full pages, read once; the last page and the catch-up after it, once per stream at most.
    expect(storage.changeReads).toBeLessThanOrEqual(20 + 2 * 20);
  });

  it('drops a stream whose client does not read once more than the limit waits for it', async () => {
    const total = 300_000;
    const storage = new BacklogStorage(total);
    const { logger, dropped } = droppingLogger();
    const relay = await startRelay({
      storage,
      logger,
      limits: { maxChangeStreamBufferedBytes: 64 * 1024 },
    });
    const client = await stalledClient(relay.port);
    // Either the relay gives up on the stream, or it has queued every change for a client that reads none.
    await Promise.race([dropped, storage.whenRead(total / 1000)]);
    const { ended, events } = await client.readToEnd(total);
    expect(ended).toBe(true);
    expect(events).toBeLessThan(total);
  }, 30_000);

  it('reads no further for a client that takes nothing, and drops it after two heartbeats', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const total = 300_000;
    const storage = new BacklogStorage(total);
    const { logger, dropped } = droppingLogger();
    const relay = await startRelay({ storage, logger });
    const client = await stalledClient(relay.port);
    let isDropped = false;
    void dropped.then(() => {
      isDropped = true;
    });
    // Heartbeats, 15 s apart on the relay's clock, until the relay drops the stream or time is up.
    const deadline = Date.now() + 10_000;
    while (!isDropped && Date.now() < deadline) {
      vi.advanceTimersByTime(15_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(isDropped).toBe(true);
    // It read only as far as the client took: not the backlog to its end.
    expect(storage.changeReads).toBeLessThan(total / 1000);
    const { ended, events } = await client.readToEnd(total);
    expect(ended).toBe(true);
    expect(events).toBeLessThan(total);
  }, 30_000);
});
