import type { IncomingMessage } from 'node:http';
import { MemoryServerStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { metricsRefusal } from '../src/http/metricsAccess.js';
import { startRelay } from './helpers.js';

const TOKEN = 'a-metrics-token-of-32-characters';

/** Storage whose ping fails, with a message that must not reach an anonymous caller. */
class DownStorage extends MemoryServerStorage {
  override async ping(): Promise<void> {
    throw new Error('connect ECONNREFUSED 10.0.0.7:5432 (user ferry_admin)');
  }
}

const fakeRequest = (remoteAddress: string, authorization?: string) =>
  ({ socket: { remoteAddress }, headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('/metrics and /healthz', () => {
  it('with a metrics token, /metrics needs it as a bearer token', async () => {
    const relay = await startRelay({ metricsToken: TOKEN });
    const scrape = (authorization?: string) =>
      fetch(`${relay.httpUrl}/metrics`, { headers: authorization ? { authorization } : {} });
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.text()).not.toContain('ferry_');
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN.slice(1)}`)).status).toBe(401);
    const scraped = await scrape(`Bearer ${TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('ferry_connections');
  });

  it('without a token, /metrics is served to this machine only', () => {
    expect(metricsRefusal(fakeRequest('127.0.0.1'), undefined)).toBeUndefined();
    expect(metricsRefusal(fakeRequest('::1'), undefined)).toBeUndefined();
    expect(metricsRefusal(fakeRequest('203.0.113.5'), undefined)?.status).toBe(403);
    expect(metricsRefusal(fakeRequest('203.0.113.5', `Bearer ${TOKEN}`), TOKEN)).toBeUndefined();
    expect(metricsRefusal(fakeRequest('127.0.0.1'), TOKEN)?.status).toBe(401);
  });

  it('refuses a metrics token short enough to guess', async () => {
    await expect(startRelay({ metricsToken: 'short' })).rejects.toThrow(/at least 16 characters/);
  });

  it('/healthz says ok or unavailable and nothing more', async () => {
    const relay = await startRelay({ storage: new DownStorage() });
    const health = await fetch(`${relay.httpUrl}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.text()).toBe('unavailable\n');
    const ok = await startRelay();
    expect(await (await fetch(`${ok.httpUrl}/healthz`)).text()).toBe('ok\n');
  });
});
