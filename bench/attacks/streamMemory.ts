/**
 * What change streams that never read cost a relay: 300 of them, from 10 addresses, on a collection with a
 * backlog of 100,000 changes; the memory this process gains over 40 s (the relay runs in it, the clients'
 * unread bytes wait in the kernel), and how many streams the relay ended.
 *
 *   npm run build && node --import tsx bench/attacks/streamMemory.ts [a build of @ferry/server: dist/index.js]
 */
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@ferry/core';
import type { ChangesOptions, ChangesPage } from '@ferry/server';
import { sleep } from '../lib/pacing.js';

const serverModule = process.argv[2];
const server: typeof import('@ferry/server') = await import(
  serverModule ? pathToFileURL(resolve(serverModule)).href : '@ferry/server'
);
const backlog = 100_000;
const streams = 300;

/** Storage whose "feed" collection has a backlog of changes, made up as they are read. */
class Backlog extends server.MemoryServerStorage {
  override async changes(
    _collection: string,
    cursor: string,
    options: ChangesOptions = {},
  ): Promise<ChangesPage> {
    const from = Number(cursor || 0);
    const to = Math.min(backlog, from + (options.limit ?? 1000));
    const items = Array.from({ length: to - from }, (_, i) => ({
      name: `feed/n${from + i + 1}`,
      update: new Uint8Array([0, 0]),
      cursor: String(from + i + 1),
    }));
    return { items, cursor: String(to), more: to < backlog };
  }

  override async head(): Promise<string> {
    return String(backlog);
  }
}

const relay = await server.createRelay({
  port: 0,
  logger: silentLogger,
  storage: new Backlog(),
  // Readers with tokens, from several addresses.
  auth: { authenticate: () => ({ id: 'reader' }), authorize: () => 'read' },
});
const before = process.memoryUsage().rss;
let ended = 0;
for (let i = 0; i < streams; i++) {
  const socket = connect({ port: relay.port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % 10)}` });
  socket.on('error', () => {});
  socket.write(
    `GET /api/collections/feed/changes HTTP/1.1\r\nHost: 127.0.0.1:${relay.port}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  socket.pause();
  // Line breaks between requests are ignored by HTTP; writing them shows when the relay has hung up.
  const poke = setInterval(() => socket.write('\r\n'), 500);
  socket.once('close', () => {
    clearInterval(poke);
    ended++;
  });
}
let peak = before;
for (let second = 0; second < 40; second++) {
  await sleep(1000);
  peak = Math.max(peak, process.memoryUsage().rss);
}
console.log(
  `${serverModule ?? 'this checkout'}: ${streams} streams that never read, backlog of ${backlog.toLocaleString('en')} ` +
    `changes: memory grew by ${Math.round((peak - before) / 1048576)} MiB at most in 40 s; streams the relay ended: ${ended}`,
);
process.exit(0);
