import type { IncomingMessage } from 'node:http';
import { CloseCode, defineCollection, type Logger, PROTOCOL_VERSION, t } from '@ferry/core';
import { jwtAuth, MemoryServerStorage, type RelayAuth } from '@ferry/server';
import { SignJWT } from 'jose';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay, until } from './helpers.js';
import { RawClient } from './rawClient.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const key = new TextEncoder().encode(SECRET);
const notes = defineCollection('notes', { title: t.string() });

/** A token for `sub` that expires at `exp` (seconds since the epoch), or never when `exp` is undefined. */
function token(exp: number | undefined, claims: Record<string, unknown> = {}): Promise<string> {
  const jwt = new SignJWT({ collections: { '*': 'write' }, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('ana')
    .setIssuedAt();
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

/** A relay clock the test moves by hand; expiry timers still run on real time. */
function manualClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    /** Moves the relay's clock forward, as a timer that fires late would find it. */
    advance(ms: number) {
      offset += ms;
    },
  };
}

function updateFor(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

/** A y-websocket sync-update frame carrying `update`. */
function yUpdateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0); // sync
  encoding.writeVarUint(e, 2); // update
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** Opens `/y/<name>` and resolves once the relay has sent its first frame (the document is ready). */
async function openY(url: string, name: string, jwt: string) {
  const socket = new WebSocket(`${url}/y/${name}?token=${encodeURIComponent(jwt)}`);
  onCleanup(() => socket.terminate());
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('close', (code) => reject(new Error(`closed with ${code} before the document was ready`)));
  });
  return { socket, closed };
}

/** A logger that keeps the close codes the client saw. */
function closeCodesLogger(codes: number[]): Logger {
  const ignore = () => {};
  return {
    debug: ignore,
    warn: ignore,
    error: ignore,
    info(fields: Record<string, unknown>) {
      if (typeof fields?.code === 'number') codes.push(fields.code);
    },
  } as Logger;
}

const nowSeconds = (clock: { now(): number }) => Math.floor(clock.now() / 1000);

describe('a token that expires while its connection is open', () => {
  it('closes /sync with TokenExpired at exp', async () => {
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }) });
    const exp = Math.floor(Date.now() / 1000) + 1;
    const client = await RawClient.hello(relay.url, await token(exp));
    const closed = await client.whenClosed();
    expect(closed.code).toBe(CloseCode.TokenExpired);
    expect(closed.reason).toMatch(/expired/);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
  });

  it('closes /y/ with TokenExpired at the expiry a custom auth gives', async () => {
    const auth: RelayAuth = {
      authenticate: () => ({ id: 'ana', expiresAt: Date.now() + 100 }),
      authorize: () => 'write',
    };
    const relay = await startRelay({ auth });
    const { closed } = await openY(relay.url, 'notes/y', 'any');
    expect((await closed).code).toBe(CloseCode.TokenExpired);
  });

  it('applies nothing a /sync client sends after exp, even when the timer has not fired yet', async () => {
    const clock = manualClock();
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }), now: clock.now, storage });
    const client = await RawClient.hello(relay.url, await token(nowSeconds(clock) + 60));
    clock.advance(61_000);
    client.send({ type: 'push', id: 1, items: [{ name: 'notes/late', update: updateFor('too late') }] });
    expect((await client.whenClosed()).code).toBe(CloseCode.TokenExpired);
    expect(client.messages.some((m) => m.type === 'ack')).toBe(false);
    expect(await storage.load('notes/late')).toEqual([]);
  });

  it('applies no /y/ update sent after exp', async () => {
    const clock = manualClock();
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }), now: clock.now, storage });
    const { socket, closed } = await openY(relay.url, 'notes/y', await token(nowSeconds(clock) + 60));
    clock.advance(61_000);
    socket.send(yUpdateFrame(updateFor('too late')));
    expect((await closed).code).toBe(CloseCode.TokenExpired);
    expect(await storage.load('notes/y')).toEqual([]);
  });

  it('refuses a principal that is already expired when authenticated, as unauthorized', async () => {
    const auth: RelayAuth = {
      authenticate: () => ({ id: 'ana', expiresAt: Date.now() - 1 }),
      authorize: () => 'write',
    };
    const relay = await startRelay({ auth });
    const client = await RawClient.open(relay.url);
    client.send({ type: 'hello', version: PROTOCOL_VERSION, token: 'any' });
    expect((await client.whenClosed()).code).toBe(CloseCode.Unauthorized);
  });
});

describe('a client whose token expires mid-session', () => {
  it('gets a fresh token from its token function, reconnects and has every edit saved', async () => {
    const clock = manualClock();
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }), now: clock.now, storage });
    let calls = 0;
    const codes: number[] = [];
    const ana = await startClient(relay, {
      actor: 'ana',
      logger: closeCodesLogger(codes),
      token: () => {
        calls++;
        return token(nowSeconds(clock) + 60);
      },
      // A long backoff: the reconnect after TokenExpired must not wait for it.
      sync: { backoff: { min: 60_000, max: 60_000 } },
    });
    const collection = ana.collection(notes);
    const first = await collection.create({ title: 'before' }, { id: 'n0' });
    await ana.whenSynced();
    expect(calls).toBe(1);

    clock.advance(61_000); // the first token is now past its exp on the relay
    await first.update({ title: 'edited after exp' });
    for (let i = 1; i <= 20; i++) await collection.create({ title: `note ${i}` }, { id: `n${i}` });
    expect(ana.sync!.status.pending).toBeGreaterThan(0);

    await ana.whenSynced();
    expect(codes).toContain(CloseCode.TokenExpired);
    expect(calls).toBe(2);
    for (let i = 0; i <= 20; i++) expect(ana.sync!.statusOf(`notes/n${i}`)).toBe('saved');
    for (let i = 1; i <= 20; i++) expect(await storage.load(`notes/n${i}`)).not.toEqual([]);
    const stored = new Y.Doc();
    for (const update of await storage.load('notes/n0')) Y.applyUpdate(stored, update);
    expect(stored.getMap('fields').get('title')).toBe('edited after exp');
  });

  it('retries a few times when its token function still hands out the expired token', async () => {
    const clock = manualClock();
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }), now: clock.now });
    const stale = await token(nowSeconds(clock) + 60);
    let calls = 0;
    const ana = await startClient(relay, {
      // A cache that refreshes one call late (its clock runs behind the relay's).
      token: () => (++calls <= 2 ? stale : token(nowSeconds(clock) + 60)),
    });
    await ana.collection(notes).create({ title: 'before' }, { id: 'n0' });
    await ana.whenSynced();
    clock.advance(61_000);
    await ana.collection(notes).create({ title: 'after' }, { id: 'n1' });
    await ana.whenSynced();
    expect(calls).toBe(3);
    expect(ana.sync!.status.connection).toBe('online');
  });

  it('with a fixed token, stops as unauthorized keeping its edits, and resumes after setToken', async () => {
    const clock = manualClock();
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }), now: clock.now });
    const ana = await startClient(relay, { token: await token(nowSeconds(clock) + 60) });
    await ana.collection(notes).create({ title: 'before' }, { id: 'n0' });
    await ana.whenSynced();
    clock.advance(61_000);
    await ana.collection(notes).create({ title: 'after' }, { id: 'n1' });
    await until(
      (l) => ana.sync!.on('status', l),
      () => ana.sync!.status.connection === 'unauthorized',
    );
    expect(ana.sync!.status).toMatchObject({ state: 'unauthorized', pending: 1, nextRetryAt: undefined });
    expect(ana.sync!.status.error).toMatch(/expired/);

    ana.sync!.setToken(await token(nowSeconds(clock) + 60));
    await ana.whenSynced();
    expect(ana.sync!.statusOf('notes/n1')).toBe('saved');
  });
});

describe('jwtAuth options', () => {
  const request = {} as IncomingMessage;

  it('refuses secrets shorter than 32 bytes, before a relay can start with one', () => {
    expect(() => jwtAuth({ secret: 'x' })).toThrow(/1 bytes long; use at least 32 bytes/);
    expect(() => jwtAuth({ secret: new Uint8Array(31) })).toThrow(/at least 32 bytes/);
    expect(() => jwtAuth({ secret: 'é'.repeat(16) })).not.toThrow(); // 32 bytes of UTF-8
  });

  it('gives the principal the expiry of its token, in milliseconds', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const principal = await jwtAuth({ secret: SECRET }).authenticate(await token(exp), request);
    expect(principal.expiresAt).toBe(exp * 1000);
    const forged = await jwtAuth({ secret: SECRET }).authenticate(
      await token(exp, { expiresAt: Number.MAX_SAFE_INTEGER }),
      request,
    );
    expect(forged.expiresAt).toBe(exp * 1000);
  });

  it('with requireExp, refuses tokens without exp', async () => {
    const auth = jwtAuth({ secret: SECRET, requireExp: true });
    await expect(auth.authenticate(await token(undefined), request)).rejects.toThrow(/exp/);
    const exp = Math.floor(Date.now() / 1000) + 60;
    expect((await auth.authenticate(await token(exp), request)).id).toBe('ana');
  });

  it('with maxTokenLifetime, refuses tokens that expire too far ahead or never', async () => {
    const auth = jwtAuth({ secret: SECRET, maxTokenLifetime: 3600 });
    const now = Math.floor(Date.now() / 1000);
    await expect(auth.authenticate(await token(now + 7200), request)).rejects.toThrow(/3600/);
    await expect(auth.authenticate(await token(undefined), request)).rejects.toThrow(/exp/);
    expect((await auth.authenticate(await token(now + 600), request)).id).toBe('ana');
  });

  it('checks issuer and audience', async () => {
    const auth = jwtAuth({ secret: SECRET, issuer: 'https://id.example', audience: 'ferry' });
    await expect(auth.authenticate(await token(undefined), request)).rejects.toThrow(/iss/);
    const good = await token(undefined, { iss: 'https://id.example', aud: 'ferry' });
    expect((await auth.authenticate(good, request)).id).toBe('ana');
    const other = await token(undefined, { iss: 'https://id.example', aud: 'another-app' });
    await expect(auth.authenticate(other, request)).rejects.toThrow(/aud/);
  });
});
