/**
 * A relay for the attack benches, in its own process so that its memory and CPU are its own:
 * `node --import tsx bench/attacks/relay.ts [server module] [limits as JSON]`. The server module defaults to
 * this checkout's build of @ferry/server; point it at another build to compare. Prints its URL as JSON.
 * Every connection is let in, from any address, as if each client held a valid token: attackers with
 * tokens, coming from several addresses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@ferry/core';

const [serverModule, limits = '{}'] = process.argv.slice(2);
const server = await import(serverModule ? pathToFileURL(resolve(serverModule)).href : '@ferry/server');
const dataDir = mkdtempSync(join(tmpdir(), 'ferry-attack-'));
const relay = await server.createRelay({
  port: 0,
  dataDir,
  logger: silentLogger,
  auth: { authenticate: () => ({ id: 'client' }), authorize: () => 'write' },
  limits: JSON.parse(limits),
});
console.log(JSON.stringify({ listening: relay.httpUrl }));
process.once('SIGTERM', async () => {
  await relay.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
