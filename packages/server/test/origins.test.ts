import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startRelay } from './helpers.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly the headers given (Host and Origin included), as a page or attacker sends it. */
function send(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      { method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A WebSocket upgrade request: resolves with 101 when the relay accepted it, or with its refusal status. */
function upgrade(base: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode!);
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

const ATTACKER = 'http://attacker.example';
const textPost = (origin?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
  body: JSON.stringify({ id: 'planted', title: 'from another site' }),
});

describe('pages from other origins', () => {
  it('cannot open a record over /y/ or /sync (403 before any handshake); loopback pages and programs can', async () => {
    const relay = await startRelay();
    expect(await upgrade(relay.httpUrl, '/y/notes/a', { origin: ATTACKER })).toBe(403);
    expect(await upgrade(relay.httpUrl, '/sync', { origin: ATTACKER })).toBe(403);
    expect(await upgrade(relay.httpUrl, '/y/notes/a', { origin: 'null' })).toBe(403);
    expect(await upgrade(relay.httpUrl, '/y/notes/a', { origin: 'http://localhost:5173' })).toBe(101);
    expect(await upgrade(relay.httpUrl, '/sync', { origin: 'http://[::1]:3000' })).toBe(101);
    expect(await upgrade(relay.httpUrl, '/y/notes/a')).toBe(101);
  });

  it('cannot create a record with a "simple" text/plain POST, nor read one; nothing is stored', async () => {
    const relay = await startRelay();
    const base = relay.httpUrl;
    const refused = await send(base, '/api/collections/notes/records', textPost(ATTACKER));
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const list = await send(base, '/api/collections/notes/records');
    expect(JSON.parse(list.body).records).toEqual([]);
    const read = await send(base, '/api/collections/notes/records', { headers: { origin: ATTACKER } });
    expect(read.status).toBe(403);
    // Without Origin (a program, not a page) the same request is served.
    expect((await send(base, '/api/collections/notes/records', textPost())).status).toBe(201);
  });

  it('answers CORS and preflights for allowed origins only', async () => {
    const relay = await startRelay({ allowOrigins: ['https://app.example.com'] });
    const path = '/api/collections/notes/records';
    const preflight = (origin: string) =>
      send(relay.httpUrl, path, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-allow-methods']).toContain('PATCH');
    expect(allowed.headers['access-control-allow-headers']).toContain('authorization');
    const refused = await preflight(ATTACKER);
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    const created = await send(relay.httpUrl, path, {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'n1', title: 'hi' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(created.headers['access-control-expose-headers']).toContain('etag');
    expect(created.headers.vary).toContain('Origin');
    // A page served by the relay itself (same host and port) needs no configuration.
    const host = new URL(relay.httpUrl).host;
    const own = await send(relay.httpUrl, path, { headers: { origin: `http://${host}` } });
    expect(own.headers['access-control-allow-origin']).toBe(`http://${host}`);
  });

  it('are matched exactly: look-alike origins, paths, ports, schemes and "null" are refused', async () => {
    const relay = await startRelay({ allowOrigins: ['https://app.example.com/', 'capacitor://localhost'] });
    const status = async (origin: string) =>
      (await send(relay.httpUrl, '/api/collections/notes/records', { headers: { origin } })).status;
    for (const origin of [
      'https://app.example.com',
      'https://app.example.com:443',
      'capacitor://localhost',
      'http://localhost',
      'http://127.0.0.1:9999',
      'https://[::1]:8443',
    ])
      expect(await status(origin), origin).toBe(200);
    for (const origin of [
      'null',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://app.example.com.attacker.example',
      'https://evil-app.example.com',
      'https://app.example.com/path',
      'https://user@app.example.com',
      'http://localhost.attacker.example',
      'http://localhost.',
      'http://127.0.0.1.nip.io',
      'http://127.1',
      'http://[::2]:3000',
      'file://',
      `http://${new URL(relay.httpUrl).host}.attacker.example`,
      '',
    ])
      expect(await status(origin), origin).toBe(403);
  });

  it('refuses allowOrigins entries any page can send or that are not origins', async () => {
    await expect(startRelay({ allowOrigins: ['null'] })).rejects.toThrow(/cannot be allowed/);
    await expect(startRelay({ allowOrigins: ['*'] })).rejects.toThrow(/cannot be allowed/);
    await expect(startRelay({ allowOrigins: ['https://a.example/app'] })).rejects.toThrow(/is not an origin/);
    await expect(startRelay({ allowedHosts: ['a.example/x'] })).rejects.toThrow(/is not a host name/);
  });
});

describe('the Host header', () => {
  it('is refused with 421 for names the relay does not answer for (DNS rebinding), on every path', async () => {
    const relay = await startRelay();
    const port = new URL(relay.httpUrl).port;
    const rebound = { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` };
    expect((await send(relay.httpUrl, '/api/collections/notes/records', { headers: rebound })).status).toBe(
      421,
    );
    expect((await send(relay.httpUrl, '/metrics', { headers: { host: 'attacker.example' } })).status).toBe(
      421,
    );
    expect(await upgrade(relay.httpUrl, '/y/notes/a', rebound)).toBe(421);
    expect(await upgrade(relay.httpUrl, '/sync', { host: 'attacker.example' })).toBe(421);
    for (const host of [
      'localhost.',
      'localhost.attacker.example',
      'attacker.example@localhost',
      '127.1',
      '[::2',
    ])
      expect((await send(relay.httpUrl, '/healthz', { headers: { host } })).status, host).toBe(421);
    for (const host of [
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      '10.1.2.3',
    ])
      expect((await send(relay.httpUrl, '/healthz', { headers: { host } })).status, host).toBe(200);
  });

  it('accepts the names in allowedHosts, and pages served under them', async () => {
    const relay = await startRelay({ allowedHosts: ['ferry.example.com'] });
    const headers = { host: 'ferry.example.com', origin: 'https://ferry.example.com' };
    const answer = await send(relay.httpUrl, '/api/collections/notes/records', { headers });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('https://ferry.example.com');
    expect(await upgrade(relay.httpUrl, '/sync', headers)).toBe(101);
    expect((await send(relay.httpUrl, '/healthz', { headers: { host: 'other.example.com' } })).status).toBe(
      421,
    );
  });
});
