/**
 * The per-address rate of WebSocket upgrades and REST requests: a client that closes and reopens as fast as
 * it can is refused with 429 and Retry-After, while another address is served.
 */
import { request as httpRequest } from 'node:http';
import type { RelayAuth } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AddressRateLimiter } from '../src/http/AddressRateLimiter.js';
import { onCleanup, startRelay } from './helpers.js';

/** Lets connections from any address in (the test connects from two loopback addresses). */
const anyone: RelayAuth = { authenticate: () => ({ id: 'anyone' }), authorize: () => 'write' };

/** Opens a WebSocket from `localAddress`: 'open', or the status and Retry-After it was refused with. */
function upgrade(url: string, localAddress: string) {
  return new Promise<{ status: number; retryAfter?: string }>((resolve) => {
    const socket = new WebSocket(url, { localAddress });
    onCleanup(() => socket.terminate());
    socket.on('error', () => {});
    socket.once('open', () => {
      resolve({ status: 101 });
      socket.close();
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
      response.resume();
    });
  });
}

/** A REST GET from `localAddress`: its status, Retry-After and body. */
function get(url: string, localAddress: string) {
  return new Promise<{ status: number; retryAfter?: string; body: string }>((resolve, reject) => {
    httpRequest(url, { localAddress, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'] as string | undefined,
          body,
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('requests per address', () => {
  it('refuses an address reconnecting in a loop with 429 and Retry-After, and serves another address', async () => {
    const burst = 20;
    const relay = await startRelay({
      auth: anyone,
      // A rate so slow that no token comes back during the test: the burst is all the attacker gets.
      limits: { addressRequestsPerSecond: 0.01, addressRequestBurst: burst },
    });
    const outcomes = [];
    for (let i = 0; i < burst + 10; i++) outcomes.push(await upgrade(`${relay.url}/sync`, '127.0.0.1'));
    expect(outcomes.slice(0, burst).every((o) => o.status === 101)).toBe(true);
    expect(outcomes.slice(burst).every((o) => o.status === 429 && Number(o.retryAfter) > 0)).toBe(true);

    // REST from the same address is refused the same way, with a JSON error saying why.
    const rest = await get(`${relay.httpUrl}/api/collections/notes/records`, '127.0.0.1');
    expect(rest.status).toBe(429);
    expect(Number(rest.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(rest.body).error.code).toBe('rate-limited');
    // Health checks are not requests of a client: a load balancer on that address still gets its answer.
    expect((await get(`${relay.httpUrl}/healthz`, '127.0.0.1')).status).toBe(200);

    // Another address is served meanwhile.
    expect((await upgrade(`${relay.url}/sync`, '127.0.0.2')).status).toBe(101);
    expect((await get(`${relay.httpUrl}/api/collections/notes/records`, '127.0.0.2')).status).toBe(200);
  });

  it('gives tokens back at its rate, and forgets an address whose bucket has filled again', () => {
    let now = 0;
    const limiter = new AddressRateLimiter(10, 20, () => now);
    for (let i = 0; i < 20; i++) expect(limiter.take('10.0.0.1')).toBeUndefined();
    expect(limiter.take('10.0.0.1')).toBe(1);
    expect(limiter.take('10.0.0.2')).toBeUndefined();
    now += 100;
    expect(limiter.take('10.0.0.1')).toBeUndefined();
    expect(limiter.take('10.0.0.1')).toBe(1);
    expect(limiter.size).toBe(2);
    // Two seconds fill a bucket of 20 at 10 a second: after that, neither address needs remembering.
    now += 2001;
    limiter.take('10.0.0.3');
    expect(limiter.size).toBe(1);
  });
});
