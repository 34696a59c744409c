import { get as httpGet } from 'node:http';
import { connect, type Socket } from 'node:net';
import { CloseCode, DocumentErrorCode, defineCollection, t } from '@ferry/core';
import type { RelayAuth } from '@ferry/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay } from './helpers.js';
import { RawClient } from './rawClient.js';

const notes = defineCollection('notes', { title: t.string().default('') });

/** Lets connections from any address in (tests connect from several loopback addresses). */
const anyone: RelayAuth = { authenticate: () => ({ id: 'anyone' }), authorize: () => 'write' };

function update(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

/** A well-behaved client's writes: they must keep being saved while others misbehave. */
/** A record's first update, setting its title. */
function titleUpdate(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

async function bystanderWrites(relay: { url: string }) {
  const client = await startClient(relay);
  const record = await client.collection(notes).create({ title: 'calm' });
  await record.whenSaved();
  await record.set('title', 'still calm');
  await record.whenSaved();
  return record.status;
}

/** A /sync client that follows the notes collection and then stops reading its socket. */
async function lazyReader(url: string): Promise<{ client: RawClient; resume(): void }> {
  const client = await RawClient.hello(url);
  client.send({
    type: 'subscribe',
    id: 1,
    collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
    documents: [],
  });
  await client.next('sync', (m) => m.id === 1 && m.done);
  const socket = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  return { client, resume: () => socket.resume() };
}

/** Opens a WebSocket from `localAddress`; resolves once it is open or closed. */
function openFrom(url: string, localAddress: string) {
  const socket = new WebSocket(url, { localAddress });
  onCleanup(() => socket.terminate());
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('error', () => {});
  return { socket, closed };
}

/** A TCP socket to the relay that sends nothing (or what it is told to). */
async function rawSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  onCleanup(() => {
    socket.destroy();
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

function healthz(httpUrl: string, localAddress: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    httpGet(`${httpUrl}/healthz`, { localAddress, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', () => resolve(undefined));
  });
}

describe('relay-wide budgets', () => {
  it('sheds the slow readers holding the most once together they pass maxTotalBufferedBytes', async () => {
    const relay = await startRelay({
      limits: { maxTotalBufferedBytes: 4 * 1024 * 1024, closeTimeoutMs: 120_000 },
    });
    // Each stays under its own limit (64 MiB): only the relay-wide budget can stop them.
    const lazy = await Promise.all(Array.from({ length: 4 }, () => lazyReader(relay.url)));
    const writer = await RawClient.hello(relay.url);
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 350; i++) {
      writer.send({ type: 'push', id: i + 1, items: [{ name: `notes/n${i}`, update: update(big + i) }] });
      await writer.next('ack', (m) => m.id === i + 1);
    }
    expect(writer.closed).toBeUndefined();
    // Each lazy reader reads again: it either learns it was shed, or answers a ping as if nothing happened.
    const outcomes = await Promise.all(
      lazy.map(async ({ client, resume }) => {
        resume();
        client.send({ type: 'ping', id: 1 });
        return client.next('pong').then(
          () => 'answered a ping',
          () => client.closed?.code,
        );
      }),
    );
    // Each was closed (4007); one the relay was still over budget for was then ended at once (1006). The
    // last one closed had nothing left to be ended for: it reads its way to the reason.
    for (const outcome of outcomes) expect([CloseCode.Overloaded, 1006]).toContain(outcome);
    expect(outcomes).toContain(CloseCode.Overloaded);
    expect(await bystanderWrites(relay)).toBe('saved');
  }, 60_000);

  it('holds at most maxLoadedDocuments in memory: unloads idle ones first, then refuses with a clear error', async () => {
    const relay = await startRelay({ limits: { maxLoadedDocuments: 50 } });
    const subscribe = async (client: RawClient, id: number, names: string[]) => {
      client.send({
        type: 'subscribe',
        id,
        collections: [],
        documents: names.map((name) => ({ name, stateVector: new Uint8Array() })),
      });
      await client.next('sync', (m) => m.id === id && m.done);
    };
    const names = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => `notes/${prefix}${i}`);
    const first = await RawClient.hello(relay.url);
    await subscribe(first, 1, names('a', 50));
    expect(first.messages.filter((m) => m.type === 'document-error')).toEqual([]);

    const second = await RawClient.hello(relay.url);
    await subscribe(second, 1, names('b', 5));
    const refused = second.messages.filter((m) => m.type === 'document-error');
    expect(refused.map((m) => m.name)).toEqual(names('b', 5));
    expect(refused[0]).toMatchObject({ code: DocumentErrorCode.LoadFailed });
    expect(refused[0]!.message).toMatch(/50 documents/);
    // A y-websocket client is refused with 4007 and a reason.
    const y = openFrom(`${relay.url}/y/notes/y0`, '127.0.0.1');
    expect((await y.closed).code).toBe(CloseCode.Overloaded);

    // Documents nobody follows any more make room, without waiting for their idle timeout.
    first.send({ type: 'unsubscribe', collections: [], documents: names('a', 10) });
    first.send({ type: 'ping', id: 2 });
    await first.next('pong', (m) => m.id === 2);
    await subscribe(second, 2, names('c', 10));
    expect(second.messages.filter((m) => m.type === 'document-error')).toHaveLength(5);
    // A write loads its document (it is applied before it is stored): with every place in use it is refused
    // for now (LoadFailed, which clients retry), and goes through once a place is free.
    const writer = await RawClient.hello(relay.url);
    writer.send({ type: 'push', id: 1, items: [{ name: 'notes/w1', update: titleUpdate('w1') }] });
    expect((await writer.next('ack')).refused).toMatchObject([{ code: DocumentErrorCode.LoadFailed }]);
    first.send({ type: 'unsubscribe', collections: [], documents: names('a', 20) });
    expect(await bystanderWrites(relay)).toBe('saved');
  });

  it('closes WebSockets past maxConnectionsPerAddress from one address with 4008; other addresses connect', async () => {
    const relay = await startRelay({ auth: anyone, limits: { maxConnectionsPerAddress: 3 } });
    const open = Array.from({ length: 3 }, () => openFrom(`${relay.url}/sync`, '127.0.0.1'));
    await Promise.all(open.map(({ socket }) => new Promise((resolve) => socket.once('open', resolve))));
    const extra = openFrom(`${relay.url}/sync`, '127.0.0.1');
    const closed = await extra.closed;
    expect(closed.code).toBe(CloseCode.TooManyConnections);
    expect(closed.reason).toMatch(/3 connections/);
    const other = openFrom(`${relay.url}/y/notes/a`, '127.0.0.2');
    await new Promise((resolve) => other.socket.once('open', resolve));

    // A connection that closes frees its place.
    open[0]!.socket.close();
    await open[0]!.closed;
    const deadline = Date.now() + 5000;
    let again = openFrom(`${relay.url}/sync`, '127.0.0.1');
    while (Date.now() < deadline) {
      const opened = await Promise.race([
        new Promise((resolve) => again.socket.once('open', () => resolve(true))),
        again.closed.then(() => false),
      ]);
      if (opened) break;
      again = openFrom(`${relay.url}/sync`, '127.0.0.1');
    }
    expect(again.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a socket that sends no complete request within handshakeTimeoutMs', async () => {
    const relay = await startRelay({ limits: { handshakeTimeoutMs: 300 } });
    const silent = await rawSocket(relay.port);
    const partial = await rawSocket(relay.port);
    partial.write('GET /sync HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await Promise.all(
      [silent, partial].map((socket) => new Promise((resolve) => socket.once('close', resolve))),
    );
    expect(await healthz(relay.httpUrl, '127.0.0.1')).toBe(200);
  });

  it('closes sockets past maxHandshakesPerAddress as they connect; other addresses are served', async () => {
    const relay = await startRelay({ limits: { maxHandshakesPerAddress: 5 } });
    const pending = await Promise.all(Array.from({ length: 5 }, () => rawSocket(relay.port)));
    // The sixth from the same address is closed without an answer.
    const sixth = await rawSocket(relay.port);
    let answered = false;
    sixth.on('data', () => {
      answered = true;
    });
    sixth.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${relay.port}\r\n\r\n`);
    await new Promise((resolve) => sixth.once('close', resolve));
    expect(answered).toBe(false);
    expect(await healthz(relay.httpUrl, '127.0.0.2')).toBe(200);

    // Once one of them goes, the address may connect again.
    pending[0]!.destroy();
    const deadline = Date.now() + 5000;
    let status = await healthz(relay.httpUrl, '127.0.0.1');
    while (status !== 200 && Date.now() < deadline) status = await healthz(relay.httpUrl, '127.0.0.1');
    expect(status).toBe(200);
  });
});

describe('the heartbeat', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps connections that answer its pings, and ends those that do not', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const relay = await startRelay();
    const answering = await RawClient.hello(relay.url);
    const silent = await RawClient.hello(relay.url);
    // A client that stops reading answers no ping.
    (silent.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const pinged = new Promise((resolve) => answering.socket.once('ping', resolve));
    vi.advanceTimersByTime(30_000);
    await pinged;
    // The pong is on its way before the answer to a later request.
    answering.send({ type: 'ping', id: 1 });
    await answering.next('pong', (m) => m.id === 1);
    vi.advanceTimersByTime(30_000);
    answering.send({ type: 'ping', id: 2 });
    await answering.next('pong', (m) => m.id === 2);
    expect(answering.closed).toBeUndefined();
    (silent.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await silent.whenClosed()).code).toBe(1006);
  });
});
