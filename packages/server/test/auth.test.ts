import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode, DocumentErrorCode, defineCollection, PROTOCOL_VERSION, t } from '@ferry/core';
import { jwtAuth } from '@ferry/server';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay, until } from './helpers.js';
import { RawClient } from './rawClient.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const key = new TextEncoder().encode(SECRET);

function token(claims: Record<string, unknown>, options: { expiresIn?: string; secret?: Uint8Array } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (options.expiresIn) jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(options.secret ?? key);
}

const notes = defineCollection('notes', { title: t.string() });

function updateFor(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

describe('auth on /sync', () => {
  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['no token', async () => '', /token is required/],
    ['a malformed token', async () => 'not.a.jwt', /refused/],
    [
      'a wrong signature',
      () => token({ sub: 'eve' }, { secret: new TextEncoder().encode('another-secret-another-secret!!!') }),
      /signature/,
    ],
    ['an expired token', () => token({ sub: 'ana' }, { expiresIn: '-1 minute' }), /exp/],
    [
      'alg: none',
      async () => new UnsecuredJWT({ sub: 'eve', collections: { '*': 'write' } }).encode(),
      /refused/,
    ],
    ['a token without a subject', () => token({ collections: { '*': 'write' } }), /subject/],
  ];
  for (const [what, make, reason] of refusals) {
    it(`closes with Unauthorized on ${what}, before any document is touched`, async () => {
      const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }) });
      const client = await RawClient.open(relay.url);
      client.send({ type: 'hello', version: PROTOCOL_VERSION, token: await make() });
      client.send({ type: 'push', id: 1, items: [{ name: 'notes/x', update: updateFor('sneaky') }] });
      const closed = await client.whenClosed();
      expect(closed.code).toBe(CloseCode.Unauthorized);
      expect(closed.reason).toMatch(reason);
      expect(await relay.metrics.registry.getSingleMetricAsString('ferry_documents_loaded')).toMatch(
        /ferry_documents_loaded 0/,
      );
    });
  }

  it('lets a Ferry client with a token sync, records the subject as actor, and stops retrying on refusal', async () => {
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }) });
    const ana = await startClient(relay, {
      token: await token({ sub: 'ana', collections: { notes: 'write' } }),
    });
    await ana.collection(notes).create({ title: 'mine' }, { id: 'n' });
    await ana.whenSynced();

    const refused = await startClient(relay, { token: 'garbage' });
    await until(
      (l) => refused.sync!.on('status', l),
      () => refused.sync!.status.connection === 'unauthorized',
    );
    expect(refused.sync!.status.error).toMatch(/refused/);
  });

  it('refuses reads of a collection the token does not list, and writes from a read-only principal', async () => {
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }) });
    const writer = await RawClient.hello(
      relay.url,
      await token({ sub: 'w', collections: { notes: 'write' } }),
    );
    writer.send({ type: 'push', id: 1, items: [{ name: 'notes/a', update: updateFor('original') }] });
    expect((await writer.next('ack')).refused).toEqual([]);
    writer.send({
      type: 'subscribe',
      id: 2,
      collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
      documents: [],
    });
    await writer.next('sync', (m) => m.done);

    const reader = await RawClient.hello(
      relay.url,
      await token({ sub: 'r', collections: { notes: 'read' } }),
    );
    reader.send({
      type: 'subscribe',
      id: 1,
      collections: [{ collection: 'secrets', cursor: '', updatedSince: 0 }],
      documents: [{ name: 'notes/a', stateVector: new Uint8Array() }],
    });
    const answer = await reader.next('sync', (m) => m.done);
    expect(answer.items.map((i) => i.name)).toEqual(['notes/a']);
    expect((await reader.next('document-error')).code).toBe(DocumentErrorCode.Forbidden);

    reader.send({ type: 'push', id: 2, items: [{ name: 'notes/a', update: updateFor('overwritten') }] });
    const ack = await reader.next('ack');
    expect(ack.refused).toEqual([
      { name: 'notes/a', code: DocumentErrorCode.ReadOnly, message: expect.any(String) },
    ]);

    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ name: 'r' });
    reader.send({
      type: 'awareness',
      name: 'notes/a',
      update: encodeAwarenessUpdate(awareness, [awareness.clientID]),
    });
    const presenceError = await reader.next('document-error', (m) => m.name === 'notes/a');
    expect(presenceError.code).toBe(DocumentErrorCode.ReadOnly);

    // Nothing reached the writer or storage.
    reader.send({ type: 'ping', id: 9 });
    await reader.next('pong');
    expect(writer.messages.filter((m) => m.type === 'updates' || m.type === 'awareness')).toEqual([]);
    const check = await startClient(relay, {
      token: await token({ sub: 'c', collections: { notes: 'read' } }),
    });
    const checked = check.collection(notes);
    await check.whenSynced();
    expect(checked.get('a')?.get('title')).toBe('original');
  });
});

describe('document names', () => {
  const hostile = [
    '../etc/passwd',
    'notes/../../secret',
    'notes/..',
    "notes/x'; DROP TABLE updates; --",
    'notes/<script>',
    'notes/a b',
    `notes/${'x'.repeat(5000)}`,
    `${'c'.repeat(100)}/x`,
    'notes',
    '/notes/x',
    'notes/x/y',
  ];
  it('refuses names that try traversal, injection or sheer size, before anything is loaded or stored', async () => {
    const relay = await startRelay({ auth: jwtAuth({ secret: SECRET }) });
    const writer = await RawClient.hello(relay.url, await token({ sub: 'w', collections: { '*': 'write' } }));
    writer.send({ type: 'push', id: 1, items: hostile.map((name) => ({ name, update: updateFor('x') })) });
    const ack = await writer.next('ack');
    expect(ack.refused.map((r) => r.code)).toEqual(hostile.map(() => DocumentErrorCode.InvalidName));
    for (const name of hostile) {
      const client = await RawClient.hello(
        relay.url,
        await token({ sub: 'w', collections: { '*': 'write' } }),
      );
      client.send({
        type: 'subscribe',
        id: 1,
        collections: [],
        documents: [{ name, stateVector: new Uint8Array() }],
      });
      expect((await client.whenClosed()).code).toBe(CloseCode.BadFrame);
    }
    expect(await relay.metrics.registry.getSingleMetricAsString('ferry_documents_loaded')).toMatch(
      /ferry_documents_loaded 0/,
    );
    const stored = await fetch(`${relay.httpUrl}/metrics`).then((r) => r.text());
    expect(stored).not.toMatch(/ferry_updates_received_total [1-9]/);
  });
});

describe('JWKS', () => {
  it('verifies tokens signed by a key published at a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const keys = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => keys.close(() => resolve())));
    const jwksUrl = `http://127.0.0.1:${(keys.address() as AddressInfo).port}/jwks.json`;
    const relay = await startRelay({ auth: jwtAuth({ jwksUrl }) });
    const signed = await new SignJWT({ sub: 'ana', collections: { notes: 'write' } })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey);
    expect((await (await RawClient.hello(relay.url, signed)).next('welcome')).principal).toBe('ana');
    const forged = await token({ sub: 'eve', collections: { notes: 'write' } });
    const refused = await RawClient.open(relay.url);
    refused.send({ type: 'hello', version: PROTOCOL_VERSION, token: forged });
    expect((await refused.whenClosed()).code).toBe(CloseCode.Unauthorized);
  });
});

describe('default auth', () => {
  it('accepts connections from this machine when none is configured', async () => {
    const relay = await startRelay();
    const client = await RawClient.hello(relay.url);
    expect((await client.next('welcome')).principal).toBe('local');
  });
});
