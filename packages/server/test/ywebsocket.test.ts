import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { onCleanup, startClient, startRelay, until } from './helpers.js';

const notes = defineCollection('notes', { title: t.string(), body: t.text().default('') });

function provider(url: string, name: string, doc: Y.Doc, params: Record<string, string> = {}) {
  const p = new WebsocketProvider(`${url}/y`, name, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
  });
  onCleanup(() => p.destroy());
  return p;
}

const synced = (p: WebsocketProvider) =>
  new Promise<void>((resolve) => {
    if (p.synced) resolve();
    else p.once('sync', (isSynced: boolean) => isSynced && resolve());
  });

describe('the standard y-websocket protocol', () => {
  it('lets an unmodified WebsocketProvider and a Ferry client edit the same record and converge', async () => {
    const relay = await startRelay();
    const ferry = await startClient(relay, { actor: 'ferry-user' });
    const collection = ferry.collection(notes);
    const note = await collection.create({ title: 'Shared', body: 'Hello' }, { id: 'n1' });
    await ferry.whenSynced();

    const doc = new Y.Doc();
    const yws = provider(relay.url, 'notes/n1', doc);
    await synced(yws);
    const body = doc.getText('body');
    expect(body.toString()).toBe('Hello');

    body.insert(5, ' from y-websocket');
    note.text('body').insert(0, '» ');
    await until(
      (l) => note.on('change', l),
      () => note.get('body').includes('from y-websocket'),
    );
    await until(
      (l) => {
        body.observe(l);
        return () => body.unobserve(l);
      },
      () => body.toString().startsWith('» '),
    );
    expect(note.get('body')).toBe('» Hello from y-websocket');
    expect(body.toString()).toBe('» Hello from y-websocket');
    // The y-websocket edit was stored: a fresh client sees it.
    const later = await startClient(relay);
    const laterNotes = later.collection(notes);
    await later.whenSynced();
    expect(laterNotes.get('n1')?.get('body')).toBe('» Hello from y-websocket');
  });

  it('refuses a path that is not a document name', async () => {
    const relay = await startRelay();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${relay.url}/y/..%2Fetc%2Fpasswd`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(400);
  });
});
