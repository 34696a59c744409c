import { CloseCode, PROTOCOL_VERSION } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startRelay } from './helpers.js';
import { RawClient } from './rawClient.js';

// A TLS proxy on the relay's machine connects from 127.0.0.1 for every client on the internet: what it
// forwards must not count as "this machine".
describe('a relay behind a proxy on its own machine', () => {
  const proxied: Record<string, string>[] = [
    { 'x-forwarded-for': '203.0.113.9' },
    { forwarded: 'for=203.0.113.9;proto=https' },
    { 'x-real-ip': '203.0.113.9' },
  ];

  it('refuses forwarded requests without auth, and serves /metrics without a token to direct ones only', async () => {
    const relay = await startRelay();
    const record = `${relay.httpUrl}/api/collections/notes/records`;
    const created = await fetch(record, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'n1', title: 'Local' }),
    });
    expect(created.status).toBe(201);
    expect((await fetch(`${relay.httpUrl}/metrics`)).status).toBe(200);
    for (const headers of proxied) {
      const read = await fetch(`${record}/n1`, { headers });
      expect(read.status).toBe(401);
      expect(await read.text()).toMatch(/accepts connections from its own machine only/);
      const written = await fetch(record, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'n2', title: 'From afar' }),
      });
      expect(written.status).toBe(401);
      const metrics = await fetch(`${relay.httpUrl}/metrics`, { headers });
      expect(metrics.status).toBe(403);
      const socket = await RawClient.open(relay.url, '/sync', headers);
      socket.send({ type: 'hello', version: PROTOCOL_VERSION, token: '' });
      expect(await socket.whenClosed()).toMatchObject({
        code: CloseCode.Unauthorized,
        reason: expect.stringMatching(/its own machine only/),
      });
    }
    await RawClient.hello(relay.url);
    expect((await fetch(`${record}/n2`)).status).toBe(404);
  });
});
