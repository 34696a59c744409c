/**
 * How long a relay keeps sockets that connect and send nothing: 1,500 of them from one address.
 *
 *   npm run build && node --import tsx bench/attacks/silentSockets.ts [a build of @ferry/server: dist/index.js]
 */
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@ferry/core';

const serverModule = process.argv[2];
const server: typeof import('@ferry/server') = await import(
  serverModule ? pathToFileURL(resolve(serverModule)).href : '@ferry/server'
);
const relay = await server.createRelay({ port: 0, logger: silentLogger });
const count = 1500;
const start = performance.now();
const closes: Promise<number>[] = [];
for (let i = 0; i < count; i++) {
  const socket = connect(relay.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume();
  closes.push(new Promise((done) => socket.once('close', () => done(performance.now() - start))));
  await new Promise((done) => socket.once('connect', done));
}
const times = (await Promise.all(closes)).sort((a, b) => a - b);
const within = (seconds: number) => times.filter((time) => time <= seconds * 1000).length;
console.log(
  `${serverModule ?? 'this checkout'}: ${count} silent sockets from 127.0.0.1: closed within 2 s: ${within(2)}, ` +
    `within 12 s: ${within(12)}; the last after ${(times.at(-1)! / 1000).toFixed(1)} s`,
);
await relay.close();
process.exit(0);
