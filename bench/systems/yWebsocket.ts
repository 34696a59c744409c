/**
 * The reference y-websocket server (`@y/websocket-server`, its own `y-websocket` bin, unmodified) in a child
 * process, persisting to LevelDB through y-leveldb (its `YPERSISTENCE` option; without it the server keeps
 * nothing once the last client of a document leaves). Seeded by writing each document into that LevelDB
 * with y-leveldb before the server starts.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LeveldbPersistence } from 'y-leveldb';
import { garbageCollectorOf } from '../lib/collectGarbage.js';
import { freePort } from '../lib/freePort.js';
import { seededCopy } from '../lib/seedTemplate.js';
import { startServerProcess } from '../lib/serverProcess.js';
import { type ContactDocuments, contactDocumentName, contactDocuments } from './contactDocuments.js';
import type { SystemUnderTest } from './SystemUnderTest.js';
import { openYWebsocketClient } from './yWebsocketClient.js';

const serverScript = join(
  dirname(createRequire(import.meta.url).resolve('@y/websocket-server/package.json')),
  'src/server.js',
);

export const yWebsocketSystem: SystemUnderTest = {
  name: 'y-websocket',
  hasDocuments: true,
  notes: [
    'server: @y/websocket-server 0.1.1 (its `y-websocket` bin), persistence: LevelDB via y-leveldb 0.1.2 (`YPERSISTENCE`), which writes without fsync.',
    'client: y-websocket 3.1.0 `WebsocketProvider`, one WebSocket per document (the protocol has no other way), at most 200 connecting at a time (more at once overflow the server’s accept queue); awareness on, as shipped (its echo is what keeps an idle socket from being dropped after 30 s).',
    'acknowledgement: none. The protocol never tells a client that the server has a change.',
    'resume: the server greets a reconnecting client before it has loaded the document from LevelDB, with an empty state vector, so every client sends its whole document back (the bytes sent).',
  ],
  openClient: async (remote, ids) => openYWebsocketClient(remote.url, ids),
  async start(records, options) {
    const dataDir = await seededCopy(`y-leveldb ${records}`, async (dir) =>
      seedLeveldb(dir, await contactDocuments(records)),
    );
    const removeData = () => rmSync(dataDir, { recursive: true, force: true });
    try {
      const port = await freePort();
      const server = await startServerProcess({
        inspect: options?.inspect,
        name: 'y-websocket server',
        args: [serverScript],
        env: { HOST: '127.0.0.1', PORT: String(port), YPERSISTENCE: dataDir },
        listeningUrl: (output) => (output.includes('running at') ? `ws://127.0.0.1:${port}` : undefined),
      });
      return {
        pid: server.pid,
        url: server.url,
        seedMetrics: {},
        seedUsage: undefined,
        collectGarbage: garbageCollectorOf(server),
        remote: () => ({ url: server.url }),
        open: async (ids) => openYWebsocketClient(server.url, ids),
        stop: async () => {
          await server.stop();
          removeData();
        },
      };
    } catch (error) {
      removeData();
      throw error;
    }
  },
};

async function seedLeveldb(dir: string, documents: ContactDocuments): Promise<void> {
  const leveldb = new LeveldbPersistence(dir);
  const entries = [...documents];
  for (let i = 0; i < entries.length; i += 500) {
    await Promise.all(
      entries.slice(i, i + 500).map(([id, update]) => leveldb.storeUpdate(contactDocumentName(id), update)),
    );
  }
  await leveldb.destroy();
}
