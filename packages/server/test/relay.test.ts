import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloseCode, DocumentErrorCode, defineCollection, t } from '@ferry/core';
import { MemoryServerStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay, tempDir, untilAll } from './helpers.js';
import { RawClient } from './rawClient.js';

const notes = defineCollection('notes', { title: t.string().default(''), body: t.text().default('') });

/** A store whose reads or writes can be made to fail. */
class UnreliableStorage extends MemoryServerStorage {
  failLoads = false;
  failWrites = false;
  appended = 0;
  override async load(name: string) {
    if (this.failLoads) throw new Error('disk unreadable');
    return super.load(name);
  }
  override async append(...args: Parameters<MemoryServerStorage['append']>) {
    if (this.failWrites) throw new Error('disk full');
    this.appended += args[0].length;
    return super.append(...args);
  }
  override async ping() {
    if (this.failWrites) throw new Error('disk full');
  }
}

describe('the relay', () => {
  it('makes many clients typing into one document converge with every word kept', async () => {
    const relay = await startRelay();
    const author = await startClient(relay);
    await author.collection(notes).create({ title: 'shared' }, { id: 'n' });
    await author.whenSynced();
    const clients = await Promise.all(Array.from({ length: 10 }, () => startClient(relay)));
    const collections = clients.map((c) => c.collection(notes));
    await Promise.all(clients.map((c) => c.whenSynced()));
    collections.forEach((collection, i) => {
      const text = collection.get('n')!.text('body');
      for (let w = 0; w < 5; w++) text.insert(w === 0 ? 0 : text.length, `c${i}w${w} `);
    });
    await Promise.all(clients.map((c) => c.whenSynced()));
    await untilAll(
      collections.map((c) => (l: () => void) => c.on('change', l)),
      () => new Set(collections.map((c) => c.get('n')!.get('body'))).size === 1,
    );
    const body = collections[0]!.get('n')!.get('body');
    for (let i = 0; i < 10; i++) for (let w = 0; w < 5; w++) expect(body).toContain(`c${i}w${w} `);
  });

  it('never serves a document it could not load, and writes nothing over it', async () => {
    const storage = new UnreliableStorage();
    const before = await startRelay({ storage });
    const writer = await startClient(before);
    await writer.collection(notes).create({ title: 'precious', body: 'do not lose' }, { id: 'p' });
    await writer.whenSynced();
    await writer.close();
    // A restart: the relay has to load the document again.
    await before.close();
    const relay = await startRelay({ storage });
    const stored = storage.appended;

    storage.failLoads = true;
    const reader = await RawClient.hello(relay.url);
    reader.send({
      type: 'subscribe',
      id: 1,
      collections: [],
      documents: [{ name: 'notes/p', stateVector: new Uint8Array() }],
    });
    const error = await reader.next('document-error');
    expect(error).toMatchObject({ name: 'notes/p', code: DocumentErrorCode.LoadFailed });
    expect((await reader.next('sync', (m) => m.done)).items).toEqual([]);
    const yws = new WebSocket(`${relay.url}/y/notes/p`);
    onCleanup(() => yws.terminate());
    expect(await new Promise((resolve) => yws.once('close', resolve))).toBe(CloseCode.ServerError);
    expect(storage.appended).toBe(stored);

    storage.failLoads = false;
    const later = await startClient(relay);
    const read = later.collection(notes);
    await later.whenSynced();
    expect(read.get('p')?.value).toMatchObject({ title: 'precious', body: 'do not lose' });
  });

  it('answers /healthz with 503 while storage fails, and serves /metrics', async () => {
    const storage = new UnreliableStorage();
    const relay = await startRelay({ storage });
    const client = await startClient(relay);
    await client.collection(notes).create({ title: 'x' });
    await client.whenSynced();
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    storage.failWrites = true;
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(503);
    storage.failWrites = false;
    const metrics = await (await fetch(`${relay.httpUrl}/metrics`)).text();
    for (const name of [
      'ferry_connections{protocol="sync"} 1',
      'ferry_updates_received_total',
      'ferry_acks_total',
      'ferry_storage_seconds_bucket',
      'ferry_bytes_sent_total',
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it('serves a static app with its index for client-side routes, and nothing outside its folder', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'app', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'app', 'index.html'), '<h1>mail</h1>');
    writeFileSync(join(dir, 'app', 'assets', 'main.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    const relay = await startRelay({ staticDir: join(dir, 'app') });
    const page = await fetch(`${relay.httpUrl}/inbox/42`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toBe('<h1>mail</h1>');
    expect((await fetch(`${relay.httpUrl}/assets/main.js`)).headers.get('content-type')).toMatch(
      /javascript/,
    );
    expect((await fetch(`${relay.httpUrl}/..%2fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${relay.httpUrl}/missing.js`)).status).toBe(404);
  });

  it('compacts a document’s log by size without losing updates that arrive meanwhile', async () => {
    const storage = new MemoryServerStorage();
    const relay = await startRelay({ storage, compactAfterEntries: 10, historyMs: 0 });
    const client = await startClient(relay);
    const note = await client.collection(notes).create({ title: 'log' }, { id: 'l' });
    note.presence(); // keep the document open on the relay
    await client.whenSynced();
    for (let i = 0; i < 60; i++) {
      note.text('body').insert(note.text('body').length, String(i % 10));
      if (i % 7 === 0) await note.whenSaved();
    }
    await client.whenSynced();
    const log = await storage.load('notes/l');
    expect(log.length).toBeLessThan(30);
    const doc = new Y.Doc();
    for (const update of log) Y.applyUpdate(doc, update);
    expect(doc.getText('body').toString()).toBe(note.get('body'));
  });
});
