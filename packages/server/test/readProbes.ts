import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Fanout, FanoutListeners } from '@ferry/server';
import type { WebSocket } from 'ws';
import { onCleanup } from './helpers.js';
import type { RawClient } from './rawClient.js';

/** What tests of who-sees-what use to look at everything a principal receives, on every path. */

export const as = (user: string) => ({ authorization: `Bearer ${user}` });

/** A REST call as `user`; the answer's status and body as text. */
export async function api(
  base: string,
  path: string,
  init: { method?: string; user: string; json?: unknown },
) {
  const response = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers: { ...as(init.user), 'content-type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return { status: response.status, text: await response.text() };
}

/** Every frame a socket receives from now on, as raw bytes. */
export function recordBytes(socket: WebSocket): { text(): string } {
  const frames: Buffer[] = [];
  socket.on('message', (data: Buffer) => frames.push(Buffer.from(data)));
  return { text: () => Buffer.concat(frames).toString('latin1') };
}

/** Subscribes to a collection and waits for the whole answer; returns the cursor reached. */
export async function subscribeCollection(
  client: RawClient,
  collection: string,
  id: number,
  cursor = '',
): Promise<string> {
  client.send({
    type: 'subscribe',
    id,
    collections: [{ collection, cursor, updatedSince: 0 }],
    documents: [],
  });
  const done = await client.next('sync', (m) => m.id === id && m.done);
  return done.cursors.find((c) => c.collection === collection)!.cursor;
}

/** Waits until the bytes received hold `text`. */
export async function untilReceived(client: RawClient, bytes: { text(): string }, text: string) {
  while (!bytes.text().includes(text)) {
    if (client.closed) throw new Error(`closed before "${text}" arrived`);
    await new Promise<void>((resolve) => client.socket.once('message', () => resolve()));
  }
}

/** A collection's change feed as Server-Sent Events, read as `user`: the text so far, and a wait for more. */
export async function eventStream(base: string, collection: string, user: string) {
  const url = new URL(`/api/collections/${collection}/changes`, base);
  const request = httpRequest(url, { headers: { ...as(user), accept: 'text/event-stream' } });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  onCleanup(() => void request.destroy());
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    text += chunk;
  });
  return {
    text: () => text,
    async until(wanted: string) {
      while (!text.includes(wanted)) await once(response, 'data');
    },
  };
}

/** Two relay nodes linked in memory: what one publishes, the other hears. */
export function linkedFanouts(): [Fanout, Fanout] {
  const listeners: (FanoutListeners | undefined)[] = [undefined, undefined];
  const node = (me: number): Fanout => ({
    node: `node-${me}`,
    publishUpdate: (message) => queueMicrotask(() => listeners[1 - me]?.update(message)),
    publishAwareness: (message) => queueMicrotask(() => listeners[1 - me]?.awareness(message)),
    listen: (l) => {
      listeners[me] = l;
    },
    close: async () => {},
  });
  return [node(0), node(1)];
}
