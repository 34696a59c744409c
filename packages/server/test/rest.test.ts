import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay, tempDir, untilAll } from './helpers.js';
import { RawClient } from './rawClient.js';

const notes = defineCollection('notes', {
  title: t.string(),
  body: t.text().default(''),
  stars: t.number().default(0),
  due: t.date().optional(),
  tags: t.list(t.string()).default([]),
});

async function api(base: string, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const response = await fetch(base + path, {
    ...rest,
    headers: { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...rest.headers },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Reads Server-Sent Events from a stream until `count` events arrived. */
async function readEvents(url: string, count: number, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const events: { id: string; data: { id: string; cursor: string } }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += new TextDecoder().decode(value);
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) events.push({ id, data: JSON.parse(data) });
      end = buffer.indexOf('\n\n');
    }
  }
  controller.abort();
  return events;
}

describe('the REST API', () => {
  it('creates, reads, lists, changes and deletes records, with JSON errors', async () => {
    const relay = await startRelay({ collections: [notes], now: () => Date.UTC(2026, 0, 2) });
    const base = relay.httpUrl;
    const created = await api(base, '/api/collections/notes/records', {
      method: 'POST',
      json: { id: 'n1', title: 'Hello', body: 'first', due: '2026-03-01T00:00:00.000Z', tags: ['a'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'n1',
      collection: 'notes',
      fields: { title: 'Hello', body: 'first', stars: 0, due: '2026-03-01T00:00:00.000Z', tags: ['a'] },
      meta: { createdBy: 'local', createdAt: '2026-01-02T00:00:00.000Z', deleted: false },
    });
    expect(created.headers.get('location')).toBe('/api/collections/notes/records/n1');
    await api(base, '/api/collections/notes/records', {
      method: 'POST',
      json: { id: 'n2', title: 'Other', stars: 5 },
    });

    expect(
      (await api(base, '/api/collections/notes/records', { method: 'POST', json: { id: 'n1', title: 'x' } }))
        .status,
    ).toBe(409);
    const invalid = await api(base, '/api/collections/notes/records', {
      method: 'POST',
      json: { title: 42 },
    });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'validation', field: 'title' } } });
    const badJson = await api(base, '/api/collections/notes/records', { method: 'POST', body: '{nope' });
    expect(badJson).toMatchObject({ status: 400, body: { error: { code: 'bad-json' } } });
    const huge = await api(base, '/api/collections/notes/records', {
      method: 'POST',
      json: { title: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'too-large' } } });

    const one = await api(base, '/api/collections/notes/records/n1');
    expect(one.body.fields.title).toBe('Hello');
    expect(one.headers.get('etag')).toBe(`"${one.body.version}"`);
    expect((await api(base, '/api/collections/notes/records/missing')).status).toBe(404);

    const all = await api(base, '/api/collections/notes/records');
    expect(all.body.records.map((r: { id: string }) => r.id)).toEqual(['n1', 'n2']);
    const filtered = await api(base, '/api/collections/notes/records?stars=5');
    expect(filtered.body.records.map((r: { id: string }) => r.id)).toEqual(['n2']);
    const paged = await api(base, '/api/collections/notes/records?limit=1');
    expect(paged.body).toMatchObject({ more: true, records: [{ id: 'n1' }] });
    const next = await api(base, `/api/collections/notes/records?limit=1&since=${paged.body.cursor}`);
    expect(next.body.records.map((r: { id: string }) => r.id)).toEqual(['n2']);

    const patched = await api(base, '/api/collections/notes/records/n1', {
      method: 'PATCH',
      json: { stars: 3, tags: ['a', 'b'] },
    });
    expect(patched.body.fields).toMatchObject({ stars: 3, tags: ['a', 'b'], title: 'Hello' });
    expect(
      (await api(base, '/api/collections/notes/records/n1', { method: 'PATCH', json: { stars: 'x' } }))
        .status,
    ).toBe(400);
    expect(
      (await api(base, '/api/collections/notes/records/zz', { method: 'PATCH', json: { stars: 1 } })).status,
    ).toBe(404);

    expect((await api(base, '/api/collections/notes/records/n2', { method: 'DELETE' })).status).toBe(204);
    expect((await api(base, '/api/collections/notes/records/n2', { method: 'DELETE' })).status).toBe(404);
    expect(
      (await api(base, '/api/collections/notes/records/n2', { method: 'PATCH', json: { stars: 1 } })).status,
    ).toBe(409);
    expect(
      (await api(base, '/api/collections/notes/records')).body.records.map((r: { id: string }) => r.id),
    ).toEqual(['n1']);
    expect((await api(base, '/api/collections/notes/records?deleted=true')).body.records).toHaveLength(2);
    expect((await api(base, '/api/collections/bad..name/records')).status).toBe(400);
    expect((await api(base, '/api/collections/notes/records/n1', { method: 'PUT', json: {} })).status).toBe(
      405,
    );
  });

  it('filters a list on a field holding an object without failing (objects equal no query value)', async () => {
    const relay = await startRelay();
    const writer = await RawClient.hello(relay.url);
    const doc = new Y.Doc();
    // lib0 decodes an object's "__proto__" key by assigning it: the relay's copy of this value has no
    // prototype, and String() of it throws (found by the structure-aware fuzzer).
    doc.getMap('fields').set('title', JSON.parse('{"__proto__": null, "a": 1}'));
    doc.getMap('fields').set('tags', ['x', 'y']);
    writer.send({ type: 'push', id: 1, items: [{ name: 'things/t1', update: Y.encodeStateAsUpdate(doc) }] });
    expect((await writer.next('ack')).refused).toEqual([]);

    const byObject = await api(relay.httpUrl, '/api/collections/things/records?title=x');
    expect(byObject.status).toBe(200);
    expect(byObject.body.records).toEqual([]);
    const byList = await api(relay.httpUrl, '/api/collections/things/records?tags=x,y');
    expect(byList.body.records.map((r: { id: string }) => r.id)).toEqual(['t1']);
  });

  it('refuses a value with a "constructor" key where Yjs would take it for a type (400, nothing stored)', async () => {
    const relay = await startRelay();
    const base = relay.httpUrl;
    const created = await api(base, '/api/collections/things/records', {
      method: 'POST',
      json: { id: 't1', car: { constructor: 'Ford' } },
    });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/"car".*constructor/);
    expect((await api(base, '/api/collections/things/records/t1')).status).toBe(404);

    await api(base, '/api/collections/things/records', { method: 'POST', json: { id: 't2' } });
    // A value nested deeper is stored as it is.
    const nested = await api(base, '/api/collections/things/records/t2', {
      method: 'PATCH',
      json: { car: { maker: { constructor: 'Ford' } }, list: [{ constructor: 1 }] },
    });
    expect(nested.status).toBe(200);
    expect(nested.body.fields).toMatchObject({
      car: { maker: { constructor: 'Ford' } },
      list: [{ constructor: 1 }],
    });
  });

  it('refuses without a valid token (401) and without the right access (403)', async () => {
    const relay = await startRelay({
      auth: {
        authenticate: (token) => {
          if (token !== 'reader' && token !== 'writer') throw new Error('no');
          return { id: token };
        },
        authorize: (principal) => (principal.id === 'writer' ? 'write' : 'read'),
      },
    });
    const base = relay.httpUrl;
    expect((await api(base, '/api/collections/notes/records')).status).toBe(401);
    const headers = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await api(base, '/api/collections/notes/records', { headers: headers('reader') })).status).toBe(
      200,
    );
    const refused = await api(base, '/api/collections/notes/records', {
      method: 'POST',
      headers: headers('reader'),
      json: { id: 'x', title: 't' },
    });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const made = await api(base, '/api/collections/notes/records', {
      method: 'POST',
      headers: headers('writer'),
      json: { id: 'x', title: 't' },
    });
    expect(made.body.meta.createdBy).toBe('writer');
  });

  it('merges a PATCH of a text field with a concurrent WebSocket edit: both survive', async () => {
    const relay = await startRelay({ collections: [notes] });
    const client = await startClient(relay);
    const collection = client.collection(notes);
    await collection.create({ title: 'Shared', body: 'The quick fox' }, { id: 'm' });
    await client.whenSynced();
    const read = await api(relay.httpUrl, '/api/collections/notes/records/m');
    expect(read.body.fields.body).toBe('The quick fox');

    // While the HTTP caller edits its copy, a WebSocket client types into the same text.
    collection.get('m')!.text('body').insert(13, ' jumps');
    await client.whenSynced();
    const patched = await api(relay.httpUrl, '/api/collections/notes/records/m', {
      method: 'PATCH',
      headers: { 'if-match': read.headers.get('etag')! },
      json: { body: 'The quick brown fox' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.fields.body).toBe('The quick brown fox jumps');
    await untilAll(
      [(l) => collection.on('change', l)],
      () => collection.get('m')!.get('body') === 'The quick brown fox jumps',
    );
    expect(collection.get('m')!.meta.updatedBy).toBe('local');
  });

  it('streams the change feed and resumes after a relay restart with no gap and no duplicate', async () => {
    const dir = tempDir();
    const first = await startRelay({ dir, collections: [notes] });
    for (const id of ['a', 'b', 'c']) {
      await api(first.httpUrl, '/api/collections/notes/records', { method: 'POST', json: { id, title: id } });
    }
    const feed = await api(first.httpUrl, '/api/collections/notes/changes');
    expect(feed.body.changes.map((c: { id: string }) => c.id)).toEqual(['a', 'b', 'c']);
    const streamed = await readEvents(`${first.httpUrl}/api/collections/notes/changes`, 3);
    expect(streamed.map((e) => e.data.id)).toEqual(['a', 'b', 'c']);
    // Live: an event arrives for a change made after the stream opened.
    const live = readEvents(`${first.httpUrl}/api/collections/notes/changes?since=${streamed[2]!.id}`, 1);
    await api(first.httpUrl, '/api/collections/notes/records/a', { method: 'PATCH', json: { title: 'a2' } });
    const [liveEvent] = await live;
    expect(liveEvent!.data.id).toBe('a');
    await first.close();

    const second = await startRelay({ dir, collections: [notes] });
    onCleanup(() => second.close());
    await api(second.httpUrl, '/api/collections/notes/records', {
      method: 'POST',
      json: { id: 'd', title: 'd' },
    });
    const resumed = await readEvents(`${second.httpUrl}/api/collections/notes/changes`, 1, {
      'last-event-id': liveEvent!.id,
    });
    expect(resumed.map((e) => e.data.id)).toEqual(['d']);
    expect(Number(resumed[0]!.id)).toBe(Number(liveEvent!.id) + 1);
  });

  it('returns a record’s history with authors, times and fields, and the record as it was', async () => {
    let now = Date.UTC(2026, 0, 1, 9);
    const relay = await startRelay({
      collections: [notes],
      now: () => now,
      auth: { authenticate: (token) => ({ id: token || 'anonymous' }), authorize: () => 'write' },
    });
    const as = (user: string) => ({ authorization: `Bearer ${user}` });
    await api(relay.httpUrl, '/api/collections/notes/records', {
      method: 'POST',
      headers: as('ana'),
      json: { id: 'h', title: 'v1' },
    });
    now = Date.UTC(2026, 0, 1, 10);
    await api(relay.httpUrl, '/api/collections/notes/records/h', {
      method: 'PATCH',
      headers: as('bo'),
      json: { title: 'v2', body: 'hello' },
    });
    now = Date.UTC(2026, 0, 1, 11);
    const client = await startClient(relay, { token: 'cy' });
    const collection = client.collection(notes);
    await client.whenSynced();
    await collection.get('h')!.set('stars', 4);
    await client.whenSynced();

    const history = await api(relay.httpUrl, '/api/collections/notes/records/h/history', {
      headers: as('ana'),
    });
    expect(
      history.body.changes.map((c: { at: string; actor: string; fields: string[] }) => [
        c.at,
        c.actor,
        c.fields,
      ]),
    ).toEqual([
      // Created with an empty body and no tags: those fields hold nothing yet.
      ['2026-01-01T09:00:00.000Z', 'ana', ['stars', 'title']],
      ['2026-01-01T10:00:00.000Z', 'bo', ['body', 'title']],
      ['2026-01-01T11:00:00.000Z', 'cy', ['stars']],
    ]);
    const then = await api(
      relay.httpUrl,
      '/api/collections/notes/records/h/history?at=2026-01-01T10:30:00Z',
      { headers: as('ana') },
    );
    expect(then.body.fields).toMatchObject({ title: 'v2', body: 'hello', stars: 0 });
    expect(then.body.meta.updatedBy).toBe('bo');
    const before = await api(
      relay.httpUrl,
      `/api/collections/notes/records/h/history?at=${Date.UTC(2026, 0, 1, 9, 30)}`,
      { headers: as('ana') },
    );
    expect(before.body.fields.title).toBe('v1');
    expect(
      (
        await api(relay.httpUrl, '/api/collections/notes/records/h/history?at=yesterday', {
          headers: as('ana'),
        })
      ).status,
    ).toBe(400);
    // Past what a Date can hold (found by the structure-aware fuzzer: it answered 500).
    const beyond = await api(
      relay.httpUrl,
      '/api/collections/notes/records/h/history?at=99999999999999999999',
      { headers: as('ana') },
    );
    expect(beyond.status).toBe(400);
    expect(beyond.body.error.code).toBe('bad-time');
  });

  it('describes every route in /api/openapi.json', async () => {
    const relay = await startRelay();
    const doc = (await api(relay.httpUrl, '/api/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    const described = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(described.sort()).toEqual(
      [
        'GET /api/collections/{collection}/records',
        'POST /api/collections/{collection}/records',
        'GET /api/collections/{collection}/records/{id}',
        'PATCH /api/collections/{collection}/records/{id}',
        'DELETE /api/collections/{collection}/records/{id}',
        'GET /api/collections/{collection}/records/{id}/history',
        'GET /api/collections/{collection}/changes',
        'GET /api/files/{collection}/{id}/{hash}',
        'PUT /api/files/{collection}/{id}/{hash}',
        'GET /api/files/{collection}/{id}/{hash}/upload',
        'GET /api/openapi.json',
      ].sort(),
    );
  });
});

describe('history from the client', () => {
  it('shows who changed a record when, and restores an older version as a new change', async () => {
    let now = Date.UTC(2026, 0, 1, 9);
    const relay = await startRelay({
      now: () => now,
      auth: { authenticate: (token) => ({ id: token }), authorize: () => 'write' },
    });
    const ana = await startClient(relay, { token: 'ana', now: () => now });
    const bo = await startClient(relay, { token: 'bo', now: () => now });
    const boNotes = bo.collection(notes);
    const record = await ana.collection(notes).create({ title: 'Draft 1', body: 'first words' }, { id: 'r' });
    await ana.whenSynced();
    await untilAll([(l) => boNotes.on('change', l)], () => boNotes.get('r') !== undefined);
    now = Date.UTC(2026, 0, 1, 10);
    await boNotes.get('r')!.update({ title: 'Draft 2', body: 'rewritten' });
    await bo.whenSynced();

    const history = await record.history();
    expect(history.map((h) => [h.actor, h.at.toISOString(), h.fields])).toEqual([
      ['ana', '2026-01-01T09:00:00.000Z', ['body', 'stars', 'title']],
      ['bo', '2026-01-01T10:00:00.000Z', ['body', 'title']],
    ]);
    await untilAll([(l) => record.on('change', l)], () => record.get('title') === 'Draft 2');
    now = Date.UTC(2026, 0, 1, 11);
    await record.restoreVersion(new Date(Date.UTC(2026, 0, 1, 9, 30)));
    expect(record.value).toMatchObject({ title: 'Draft 1', body: 'first words' });
    await ana.whenSynced();
    expect((await record.history()).at(-1)).toMatchObject({ actor: 'ana', fields: ['body', 'title'] });
  });
});
