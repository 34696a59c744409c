/**
 * A client that closes and reopens `/sync` as fast as it can, from one address, for 10 s, while a bystander
 * on another address asks the REST API every 20 ms: how many reconnects the relay accepted and refused,
 * and what the bystander saw.
 *
 *   npm run build && node --import tsx bench/attacks/reconnectLoop.ts [a build of @ferry/server: dist/index.js]
 */
import { request } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@ferry/core';
import { WebSocket } from 'ws';

const serverModule = process.argv[2];
const server: typeof import('@ferry/server') = await import(
  serverModule ? pathToFileURL(resolve(serverModule)).href : '@ferry/server'
);
const relay = await server.createRelay({
  port: 0,
  logger: silentLogger,
  auth: { authenticate: () => ({ id: 'anyone' }), authorize: () => 'write' },
});
const seconds = 10;
const deadline = performance.now() + seconds * 1000;

/** Opens and closes at once; the upgrade's outcome. */
const reconnect = () =>
  new Promise<string>((done) => {
    const socket = new WebSocket(`${relay.url}/sync`, { localAddress: '127.0.0.1' });
    socket.on('error', () => done('failed'));
    socket.once('open', () => {
      socket.terminate();
      done('opened');
    });
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      socket.terminate();
      done(String(response.statusCode));
    });
  });

const outcomes = new Map<string, number>();
const attacker = async () => {
  while (performance.now() < deadline) {
    const outcome = await reconnect();
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
};

const bystander: number[] = [];
const statuses = new Map<number, number>();
const ask = () =>
  new Promise<void>((done) => {
    const start = performance.now();
    request(
      `${relay.httpUrl}/api/collections/notes/records`,
      { localAddress: '127.0.0.2', agent: false },
      (response) => {
        response.resume();
        response.on('end', () => {
          bystander.push(performance.now() - start);
          statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
          done();
        });
      },
    )
      .on('error', () => done())
      .end();
  });
const asking = (async () => {
  while (performance.now() < deadline) {
    await ask();
    await new Promise((done) => setTimeout(done, 20));
  }
})();

await Promise.all([attacker(), attacker(), attacker(), attacker(), asking]);
bystander.sort((a, b) => a - b);
const at = (q: number) =>
  bystander[Math.min(bystander.length - 1, Math.floor(q * bystander.length))]!.toFixed(1);
console.log(
  `${serverModule ?? 'this checkout'}: reconnects from 127.0.0.1 in ${seconds} s: ${JSON.stringify(Object.fromEntries(outcomes))}; ` +
    `bystander (127.0.0.2) REST: ${JSON.stringify(Object.fromEntries(statuses))}, median ${at(0.5)} ms, p99 ${at(0.99)} ms`,
);
await relay.close();
process.exit(0);
