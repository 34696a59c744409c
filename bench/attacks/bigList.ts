/**
 * A REST list of large records (300 of 100 KB, SQLite) read to its end, page after page, while another
 * client asks /healthz in a loop: how long the list took and the longest /healthz waited. The client runs in
 * the relay's process: its own parsing of each page counts in the waits too.
 *
 *   npm run build && node --import tsx bench/attacks/bigList.ts [a build of @ferry/server: dist/index.js]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@ferry/core';

const serverModule = process.argv[2];
const server: typeof import('@ferry/server') = await import(
  serverModule ? pathToFileURL(resolve(serverModule)).href : '@ferry/server'
);
const dir = mkdtempSync(join(tmpdir(), 'ferry-biglist-'));
const relay = await server.createRelay({ port: 0, logger: silentLogger, dataDir: dir });
const records = 300;
for (let i = 0; i < records; i++) {
  const response = await fetch(`${relay.httpUrl}/api/collections/big/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: `r${i}`, body: `${i}`.padEnd(100_000, 'x') }),
  });
  await response.arrayBuffer();
}

let listing = true;
const waits: number[] = [];
const health = (async () => {
  while (listing) {
    const start = performance.now();
    await (await fetch(`${relay.httpUrl}/healthz`)).text();
    waits.push(performance.now() - start);
  }
})();
const start = performance.now();
let since = '';
let pages = 0;
let listed = 0;
let bytes = 0;
for (;;) {
  const text = await (
    await fetch(`${relay.httpUrl}/api/collections/big/records?limit=1000&since=${since}`)
  ).text();
  const page = JSON.parse(text) as { records: unknown[]; cursor: string; more?: boolean };
  pages++;
  listed += page.records.length;
  bytes = Math.max(bytes, Buffer.byteLength(text));
  if (!page.more || page.records.length === 0) break;
  since = page.cursor;
}
const took = performance.now() - start;
listing = false;
await health;
console.log(
  `${serverModule ?? 'this checkout'}: ${listed} records of 100 KB listed in ${pages} pages (largest ${(bytes / 2 ** 20).toFixed(1)} MiB) in ${took.toFixed(0)} ms; ` +
    `/healthz answered ${waits.length} times meanwhile, longest wait ${Math.max(...waits).toFixed(0)} ms`,
);
await relay.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
