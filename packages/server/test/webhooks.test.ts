import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineCollection, t } from '@ferry/core';
import { MemoryServerStorage, type WebhookOptions, type WebhookPayload } from '@ferry/server';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { onCleanup, startClient, startRelay, tempDir } from './helpers.js';
import { spawnRelay } from './process.js';

const notes = defineCollection('notes', { title: t.string() });
const SECRET = Buffer.from('a webhook secret of 32 bytes!!!!').toString('base64');

interface Received {
  id: string;
  payload: WebhookPayload;
  answered: number;
}

/** A receiver on 127.0.0.1 that verifies every delivery and answers with `status()`. */
async function receiver(status: () => number) {
  const verifier = new Webhook(SECRET);
  const received: Received[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    // Throws (and fails the test through the missing delivery) when the signature does not match.
    const payload = verifier.verify(body, request.headers as Record<string, string>) as WebhookPayload;
    const answered = status();
    received.push({ id: String(request.headers['webhook-id']), payload, answered });
    response.writeHead(answered).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ferry`;
  /** The record ids of accepted deliveries, each once, sorted. */
  const accepted = (from = 0) =>
    [
      ...new Set(
        received
          .slice(from)
          .filter((r) => r.answered === 200)
          .flatMap((r) => r.payload.data.changes.map((c) => c.id)),
      ),
    ].sort();
  return { url, received, accepted };
}

const webhook = (url: string): WebhookOptions => ({
  url,
  secret: SECRET,
  collections: ['notes'],
  retry: { minMs: 20, maxMs: 100 },
});

describe('webhooks', () => {
  it('post committed changes, signed, retry a refused batch as it was, and resume after a restart with no gap', async () => {
    let status = 200;
    const hook = await receiver(() => status);
    const dir = tempDir();

    // Written before the webhook existed: a new webhook starts from the collection's head.
    const before = await startRelay({ dir });
    const early = await startClient(before);
    await (await early.collection(notes).create({ title: 'before' }, { id: 'n0' })).whenSaved();
    await early.close();
    await before.close();

    const relay = await startRelay({ dir, webhooks: [webhook(hook.url)] });
    const client = await startClient(relay);
    for (const id of ['n1', 'n2'])
      await (await client.collection(notes).create({ title: id }, { id })).whenSaved();
    await vi.waitFor(() => expect(hook.accepted()).toEqual(['n1', 'n2']));
    expect(hook.received[0]!.payload.type).toBe('ferry.changes');
    expect(hook.received[0]!.payload.data.collection).toBe('notes');

    // The receiver fails: the same batch comes again, with the same id, until the relay stops.
    status = 500;
    await (await client.collection(notes).create({ title: 'n3' }, { id: 'n3' })).whenSaved();
    await vi.waitFor(() => expect(hook.received.filter((r) => r.answered === 500).length).toBeGreaterThan(2));
    const refused = hook.received.filter((r) => r.answered === 500);
    expect(new Set(refused.map((r) => r.id)).size).toBe(1);
    expect(refused[0]!.payload.data.changes.map((c) => c.id)).toEqual(['n3']);
    await client.close();
    await relay.close();

    // After a restart on the same data, delivery resumes at the refused batch: n3 arrives, n1 and n2 do not again.
    status = 200;
    const beforeRestart = hook.received.length;
    const restarted = await startRelay({ dir, webhooks: [webhook(hook.url)] });
    await vi.waitFor(() => expect(hook.accepted(beforeRestart)).toEqual(['n3']));
    expect(hook.accepted()).toEqual(['n1', 'n2', 'n3']);
    const metrics = await (await fetch(`${restarted.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/ferry_webhook_deliveries_total\{result="delivered"\} 1/);
  });

  it('refuses a webhook that could never be delivered or verified, naming what is wrong', async () => {
    const good = webhook('http://127.0.0.1:9/ferry');
    const start = (changed: Partial<WebhookOptions>) =>
      startRelay({ storage: new MemoryServerStorage(), webhooks: [{ ...good, ...changed }] });
    await expect(start({ url: 'not a url' })).rejects.toThrow(/is not a URL/);
    await expect(start({ url: 'ftp://127.0.0.1/x' })).rejects.toThrow(/must be http or https/);
    await expect(start({ secret: 'not base64 !' })).rejects.toThrow(/base64/);
    await expect(start({ collections: [] })).rejects.toThrow(/names no collection/);
    await expect(start({ collections: ['../x'] })).rejects.toThrow(/not a collection name/);
  });

  it('ferry serve takes the webhook secret from the environment only', async () => {
    await expect(
      spawnRelay(tempDir(), ['--webhook', 'http://127.0.0.1:9/ferry', '--webhook-collections', 'notes']),
    ).rejects.toThrow(/FERRY_WEBHOOK_SECRET/);
  });
});
