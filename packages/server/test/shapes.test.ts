/**
 * What a record may hold. With its collection's schema the relay refuses, on every path, content the schema
 * does not allow; without one it still bounds how deeply values nest, in Yjs types and in JSON.
 */
import { CloseCode, DocumentErrorCode, defineCollection, t, writeCreate } from '@ferry/core';
import { MemoryServerStorage } from '@ferry/server';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { onCleanup, startRelay, until } from './helpers.js';
import { RawClient } from './rawClient.js';

const notes = defineCollection('notes', {
  title: t.string(),
  body: t.text().default(''),
  stars: t.number().default(0),
  tags: t.list(t.string()).default([]),
  steps: t.list(t.object({ done: t.boolean().default(false), note: t.text().default('') })).default([]),
});

/** A record as a Ferry client writes it, and a way to make further edits to it as updates. */
function recordDoc() {
  const doc = new Y.Doc();
  writeCreate(
    doc,
    notes.fields,
    { title: 'kept', tags: ['a'], steps: [{ done: true, note: 'n' }] },
    { actor: 'a', now: 1 },
    null,
  );
  const created = Y.encodeStateAsUpdate(doc);
  const edit = (change: (doc: Y.Doc) => void): Uint8Array => {
    const copy = new Y.Doc();
    Y.applyUpdate(copy, created);
    const before = Y.encodeStateVector(copy);
    change(copy);
    return Y.encodeStateAsUpdate(copy, before);
  };
  return { created, edit };
}

/** Y.Arrays nested `depth` deep, the outermost set as `key` of the map. */
function nestArrays(map: Y.Map<unknown>, key: string, depth: number): void {
  map.doc!.transact(() => {
    let current = new Y.Array<unknown>();
    map.set(key, current);
    for (let i = 1; i < depth; i++) {
      const inner = new Y.Array<unknown>();
      current.insert(0, [inner]);
      current = inner;
    }
  });
}

const deepJson = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

const yUpdateFrame = (update: Uint8Array) => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
};

/** Sends an update over /y/ and resolves with the close code. */
async function closeCodeOverY(url: string, name: string, update: Uint8Array): Promise<number> {
  const socket = new WebSocket(`${url}/y/${name}`);
  onCleanup(() => socket.terminate());
  await new Promise((resolve) => socket.once('message', resolve));
  socket.send(yUpdateFrame(update));
  return new Promise<number>((resolve) => socket.once('close', resolve));
}

let pushes = 0;

/** Pushes updates one by one; resolves with each one's refusal code (undefined when accepted). */
async function pushAll(
  client: RawClient,
  name: string,
  updates: Uint8Array[],
): Promise<(number | undefined)[]> {
  const codes: (number | undefined)[] = [];
  for (const update of updates) {
    const id = ++pushes;
    client.send({ type: 'push', id, items: [{ name, update }] });
    codes.push((await client.next('ack', (m) => m.id === id)).refused[0]?.code);
  }
  return codes;
}

async function titleOverSync(url: string, name: string): Promise<unknown> {
  const reader = await RawClient.hello(url);
  reader.send({
    type: 'subscribe',
    id: 1,
    collections: [],
    documents: [{ name, stateVector: new Uint8Array() }],
  });
  const doc = new Y.Doc();
  for (const item of (await reader.next('sync', (m) => m.done)).items) Y.applyUpdate(doc, item.update);
  reader.socket.close();
  return doc.getMap('fields').get('title');
}

describe('with the collection’s schema', () => {
  it('refuses over /sync, per record, content the schema does not allow; nothing of it is stored', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage, collections: [notes] });
    const { created, edit } = recordDoc();
    const writer = await RawClient.hello(relay.url);
    expect(await pushAll(writer, 'notes/n1', [created])).toEqual([undefined]);

    const refused = [
      edit((doc) => nestArrays(doc.getMap('fields'), 'title', 20_000)),
      edit((doc) => doc.getMap('fields').set('stars', 'many')),
      edit((doc) => doc.getMap('fields').set('admin', true)),
      edit((doc) => doc.getArray('tags').insert(0, [42])),
      edit((doc) => doc.getText('body').insertEmbed(0, new Y.Map())),
      edit((doc) => doc.getArray('nowhere').insert(0, ['x'])),
      edit((doc) => (doc.getArray('steps').get(0) as Y.Map<unknown>).set('done', 'yes')),
      edit((doc) => doc.getMap('meta').set('deleted', [true])),
    ];
    expect(await pushAll(writer, 'notes/n1', refused)).toEqual(
      refused.map(() => DocumentErrorCode.InvalidContent),
    );
    const refusal = writer.messages.find((m) => m.type === 'ack' && m.refused.length > 0);
    expect(refusal).toMatchObject({ refused: [{ message: expect.stringMatching(/title/) }] });

    // The connection carries on, and a valid change still goes through.
    const valid = edit((doc) => {
      doc.getMap('fields').set('stars', 3);
      (doc.getArray('steps').get(0) as Y.Map<unknown>).set('done', false);
    });
    expect(await pushAll(writer, 'notes/n1', [valid])).toEqual([undefined]);
    expect((await storage.history('notes/n1')).map((entry) => entry.update)).toEqual([created, valid]);
    expect(await titleOverSync(relay.url, 'notes/n1')).toBe('kept');
  });

  it('closes a /y/ connection that sends such content (4507), and stores nothing of it', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage, collections: [notes] });
    const { created, edit } = recordDoc();
    const writer = await RawClient.hello(relay.url);
    await pushAll(writer, 'notes/n1', [created]);
    const deep = edit((doc) => nestArrays(doc.getMap('fields'), 'title', 20_000));
    expect(await closeCodeOverY(relay.url, 'notes/n1', deep)).toBe(CloseCode.InvalidContent);
    const wrong = edit((doc) => doc.getMap('fields').set('title', 7));
    expect(await closeCodeOverY(relay.url, 'notes/n1', wrong)).toBe(CloseCode.InvalidContent);
    expect((await storage.history('notes/n1')).map((entry) => entry.update)).toEqual([created]);
    expect(await titleOverSync(relay.url, 'notes/n1')).toBe('kept');
  });

  it('keeps serving the record’s other clients, with their presence, after a refusal rebuilt it', async () => {
    const relay = await startRelay({ collections: [notes] });
    const { created, edit } = recordDoc();
    const writer = await RawClient.hello(relay.url);
    await pushAll(writer, 'notes/n1', [created]);
    const doc = new Y.Doc();
    const bystander = new WebsocketProvider(`${relay.url}/y`, 'notes/n1', doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    onCleanup(() => bystander.destroy());
    bystander.awareness.setLocalState({ user: 'bystander' });
    await until(
      (listener) => {
        doc.on('update', listener);
        return () => doc.off('update', listener);
      },
      () => doc.getMap('fields').get('title') === 'kept',
    );

    const refused = edit((d) => nestArrays(d.getMap('fields'), 'title', 100));
    expect(await pushAll(writer, 'notes/n1', [refused])).toEqual([DocumentErrorCode.InvalidContent]);
    expect(
      await pushAll(writer, 'notes/n1', [edit((d) => d.getMap('fields').set('title', 'after'))]),
    ).toEqual([undefined]);
    await until(
      (listener) => {
        doc.on('update', listener);
        return () => doc.off('update', listener);
      },
      () => doc.getMap('fields').get('title') === 'after',
    );
    const joiner = await RawClient.hello(relay.url);
    joiner.send({
      type: 'subscribe',
      id: 1,
      collections: [],
      documents: [{ name: 'notes/n1', stateVector: new Uint8Array() }],
    });
    const presence = await joiner.next('awareness');
    expect(new TextDecoder().decode(presence.update)).toContain('bystander');
  });
});

describe('without a schema', () => {
  it('refuses Yjs types or JSON nested deeper than maxNestingDepth (32), over /sync and /y/', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage });
    const { created, edit } = recordDoc();
    const writer = await RawClient.hello(relay.url);
    // The fields map is level 1: 31 arrays in it reach level 32, the most allowed.
    const deepest = edit((doc) => nestArrays(doc.getMap('fields'), 'ok', 31));
    const json = edit((doc) => doc.getMap('fields').set('json', deepJson(31)));
    expect(await pushAll(writer, 'notes/n1', [created, deepest, json])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);

    const tooDeep = [
      edit((doc) => nestArrays(doc.getMap('fields'), 'title', 32)),
      edit((doc) => nestArrays(doc.getMap('fields'), 'title', 20_000)),
      edit((doc) => doc.getMap('fields').set('json', deepJson(32))),
      edit((doc) => doc.getArray('list').insert(0, [deepJson(1_000)])),
    ];
    expect(await pushAll(writer, 'notes/n1', tooDeep)).toEqual(
      tooDeep.map(() => DocumentErrorCode.InvalidContent),
    );
    expect(await closeCodeOverY(relay.url, 'notes/n1', tooDeep[1]!)).toBe(CloseCode.InvalidContent);
    expect((await storage.history('notes/n1')).map((entry) => entry.update)).toEqual([
      created,
      deepest,
      json,
    ]);
    expect(await titleOverSync(relay.url, 'notes/n1')).toBe('kept');
  });

  it('answers 400 to a REST body nested deeper than maxJsonDepth (32), stores nothing, and keeps serving', async () => {
    const relay = await startRelay();
    const api = `${relay.httpUrl}/api/collections/notes/records`;
    const send = (method: string, url: string, body: string) =>
      fetch(url, { method, headers: { 'content-type': 'application/json' }, body });
    // Written as text: JSON.stringify itself cannot go 4,500 levels deep.
    const nested = (depth: number) => `${'['.repeat(depth)}"bottom"${']'.repeat(depth)}`;
    // The body is level 1, as the fields map its values go into.
    expect((await send('POST', api, `{"id":"ok","deep":${nested(31)}}`)).status).toBe(201);
    for (const depth of [32, 4_500]) {
      const refused = await send('POST', api, `{"id":"deep${depth}","deep":${nested(depth)}}`);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        error: { code: 'too-deep', message: expect.stringMatching(/32/) },
      });
      expect((await fetch(`${api}/deep${depth}`)).status).toBe(404);
    }
    expect((await send('PATCH', `${api}/ok`, `{"deep":${nested(4_500)}}`)).status).toBe(400);
    expect((await fetch(`${api}/ok`)).status).toBe(200);
    const list = await fetch(api);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { records: { id: string }[] }).records.map((r) => r.id)).toEqual(['ok']);
  });

  // Found by the structure-aware fuzzer: a REST POST of 17,224 fields held the relay's event loop 120-200 ms
  // of CPU in one stretch (seed 1796228003, case 695), and the cost grows with the number of fields.
  it('answers 400 to a REST body setting more than maxFieldsPerWrite (1,000) fields, and stores nothing', async () => {
    const relay = await startRelay();
    const api = `${relay.httpUrl}/api/collections/notes/records`;
    const send = (method: string, url: string, body: object) =>
      fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const fields = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, i]));
    expect((await send('POST', api, { id: 'wide', ...fields(1000) })).status).toBe(201);
    for (const body of [fields(1001), fields(60_000)]) {
      const refused = await send('POST', api, { id: 'wider', ...body });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        error: { code: 'too-many-fields', message: expect.stringMatching(/1000/) },
      });
    }
    expect((await fetch(`${api}/wider`)).status).toBe(404);
    // The keys of an object value count too: a map field is merged key by key.
    const patched = await send('PATCH', `${api}/wide`, { meta2: fields(1000) });
    expect(patched.status).toBe(400);
    expect((await fetch(`${api}/wide`)).status).toBe(200);
  });
});
