/**
 * REST lists and history are bounded by `maxRestResponseBytes`: pages that continue from their cursor with no
 * record lost or repeated, built a record at a time so that other requests are served meanwhile.
 */
import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { MemoryServerStorage } from '../src/storage/MemoryServerStorage.js';
import { startClient, startRelay, untilAll } from './helpers.js';

const notes = defineCollection('notes', { title: t.string(), body: t.text().default('') });

async function post(base: string, path: string, json: unknown, method = 'POST') {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
  expect(response.status).toBeLessThan(300);
  await response.arrayBuffer();
}

/** Every page from the start: its size in bytes and what it said. */
async function allPages(base: string, path: string) {
  const pages: { bytes: number; body: { cursor: string; more: boolean; [list: string]: unknown } }[] = [];
  let since = '';
  for (;;) {
    const response = await fetch(`${base}${path}${path.includes('?') ? '&' : '?'}since=${since}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text);
    pages.push({ bytes: Buffer.byteLength(text), body });
    if (!body.more) return pages;
    since = body.cursor;
  }
}

describe('REST answers bounded in bytes', () => {
  it('pages a list at maxRestResponseBytes, continuing from its cursor with no record lost or repeated', async () => {
    const bound = 64 * 1024;
    const relay = await startRelay({ collections: [notes], limits: { maxRestResponseBytes: bound } });
    // 40 records of about 5 KiB: 200 KiB in all, where a page of the default limit (100) would hold them all.
    const ids = Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    for (const id of ids)
      await post(relay.httpUrl, '/api/collections/notes/records', { id, title: id, body: 'x'.repeat(5000) });

    const pages = await allPages(relay.httpUrl, '/api/collections/notes/records?limit=100');
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages) expect(page.bytes).toBeLessThanOrEqual(bound);
    expect(pages.slice(0, -1).every((page) => page.body.more)).toBe(true);
    const listed = pages.flatMap((page) => (page.body.records as { id: string }[]).map((r) => r.id));
    expect(listed).toEqual(ids);
  });

  it('lists a record changed several times once, at its latest change, whichever pages its changes fall on', async () => {
    const relay = await startRelay({ collections: [notes], limits: { maxRestResponseBytes: 16 * 1024 } });
    const ids = Array.from({ length: 12 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    for (const id of ids)
      await post(relay.httpUrl, '/api/collections/notes/records', { id, title: id, body: 'x'.repeat(3000) });
    // Every other record changed again, after all were created: its changes fall on two different pages.
    const changed = ids.filter((_, i) => i % 2 === 0);
    for (const id of changed)
      await post(relay.httpUrl, `/api/collections/notes/records/${id}`, { title: `${id} again` }, 'PATCH');

    const pages = await allPages(relay.httpUrl, '/api/collections/notes/records');
    expect(pages.length).toBeGreaterThan(1);
    const listed = pages.flatMap((page) =>
      (page.body.records as { id: string; fields: { title: string } }[]).map((r) => [r.id, r.fields.title]),
    );
    expect(listed).toEqual([
      ...ids.filter((id) => !changed.includes(id)).map((id) => [id, id]),
      ...changed.map((id) => [id, `${id} again`]),
    ]);
  });

  it('reads at most 1,000 records for one page, matching or not, and goes on from there when asked', async () => {
    const relay = await startRelay({ collections: [notes], storage: new MemoryServerStorage() });
    const count = 1050;
    for (let i = 0; i < count; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, j) =>
          post(relay.httpUrl, '/api/collections/notes/records', { id: `r${i + j}`, title: `${i + j}` }),
        ),
      );
    const unfiltered = await (
      await fetch(`${relay.httpUrl}/api/collections/notes/records?limit=1000`)
    ).json();
    expect(unfiltered.records).toHaveLength(1000);
    // A filter that matches nothing, then one that only the last record created matches.
    const first = await (await fetch(`${relay.httpUrl}/api/collections/notes/records?title=nothing`)).json();
    expect(first).toMatchObject({ records: [], more: true });
    const pages = await allPages(relay.httpUrl, '/api/collections/notes/records?title=1049');
    expect(pages.flatMap((page) => (page.body.records as { id: string }[]).map((r) => r.id))).toEqual([
      'r1049',
    ]);
    expect(pages).toHaveLength(2);
  });

  it('answers a record larger than the bound alone on its page, as a GET of it would', async () => {
    const relay = await startRelay({ collections: [notes], limits: { maxRestResponseBytes: 8 * 1024 } });
    await post(relay.httpUrl, '/api/collections/notes/records', {
      id: 'a',
      title: 'a',
      body: 'x'.repeat(20_000),
    });
    await post(relay.httpUrl, '/api/collections/notes/records', {
      id: 'b',
      title: 'b',
      body: 'y'.repeat(20_000),
    });
    const pages = await allPages(relay.httpUrl, '/api/collections/notes/records');
    expect(pages.map((page) => (page.body.records as { id: string }[]).map((r) => r.id))).toEqual([
      ['a'],
      ['b'],
    ]);
  });

  it('pages a record’s history the same way, ?since= the cursor of the last change answered', async () => {
    const bound = 4096;
    const relay = await startRelay({ collections: [notes], limits: { maxRestResponseBytes: bound } });
    await post(relay.httpUrl, '/api/collections/notes/records', { id: 'h', title: 't0' });
    for (let i = 1; i < 80; i++)
      await post(relay.httpUrl, '/api/collections/notes/records/h', { title: `t${i}` }, 'PATCH');

    const pages = await allPages(relay.httpUrl, '/api/collections/notes/records/h/history');
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page.bytes).toBeLessThanOrEqual(bound);
    const changes = pages.flatMap((page) => page.body.changes as { cursor: string; fields: string[] }[]);
    expect(changes).toHaveLength(80);
    expect(new Set(changes.map((c) => c.cursor)).size).toBe(80);
    expect(changes.every((change) => change.fields.includes('title'))).toBe(true);
    // A client's record.history() reads every page.
    const client = await startClient(relay);
    const collection = client.collection(notes);
    await client.whenSynced();
    await untilAll([(l) => collection.on('change', l)], () => collection.get('h') !== undefined);
    const seen = await collection.get('h')!.history();
    expect(seen.map((entry) => entry.cursor)).toEqual(changes.map((change) => change.cursor));
    const bad = await fetch(`${relay.httpUrl}/api/collections/notes/records/h/history?since=nope`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('bad-cursor');
  });

  it('serves /healthz sent while a long list is being built before that list is done', async () => {
    // Records read from memory: without a yield of its own, the list would hold the event loop to its end.
    const events: string[] = [];
    let listed = 0;
    let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
    let health: Promise<Response> | undefined;
    const storage = new (class extends MemoryServerStorage {
      override async history(name: string) {
        if (name.startsWith('notes/') && relay) {
          listed++;
          // The first record of the list read: /healthz is asked now, while the list goes on.
          if (listed === 1) health = fetch(`${relay.httpUrl}/healthz`);
        }
        return super.history(name);
      }
      override async ping() {
        events.push(`healthz after ${listed} records read`);
      }
    })();
    const started = await startRelay({ collections: [notes], storage });
    const count = 300;
    for (let i = 0; i < count; i++)
      await post(started.httpUrl, '/api/collections/notes/records', { id: `r${i}`, title: `${i}` });
    relay = started;
    listed = 0;

    const list = await fetch(`${relay.httpUrl}/api/collections/notes/records?limit=1000`);
    events.push(`list answered after ${listed} records read`);
    expect((await list.json()).records).toHaveLength(count);
    expect((await health!).status).toBe(200);
    expect(events[0]).toMatch(/^healthz after \d+ records read$/);
    expect(Number(/\d+/.exec(events[0]!)![0])).toBeLessThan(count);
  });
});
