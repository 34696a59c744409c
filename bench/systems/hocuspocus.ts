/**
 * Hocuspocus 4, the newest release, with its SQLite extension, in a child process (`servers/hocuspocus.mjs`).
 * Its engines field asks for Node 22; it runs on Node 20, which Ferry supports, unchanged. Seeded by writing each document's state into that SQLite
 * file, in the extension's own schema, before the server starts.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schema, upsertQuery } from '@hocuspocus/extension-sqlite';
import Database from 'better-sqlite3';
import { garbageCollectorOf } from '../lib/collectGarbage.js';
import { seededCopy } from '../lib/seedTemplate.js';
import { startServerProcess } from '../lib/serverProcess.js';
import { type ContactDocuments, contactDocumentName, contactDocuments } from './contactDocuments.js';
import { openHocuspocusClient } from './hocuspocusClient.js';
import type { SystemUnderTest } from './SystemUnderTest.js';

const DATABASE = 'hocuspocus.sqlite';
const serverScript = fileURLToPath(new URL('../servers/hocuspocus.mjs', import.meta.url));

export const hocuspocusSystem: SystemUnderTest = {
  name: 'hocuspocus',
  hasDocuments: true,
  notes: [
    'server: @hocuspocus/server 4.7.0, default settings (broadcasts coalesced within an event-loop turn), with @hocuspocus/extension-sqlite 4.7.0 (better-sqlite3, SQLite defaults: rollback journal, synchronous = FULL); it stores a document 2 s after its last change (at most 10 s), whole state each time.',
    'client: @hocuspocus/provider 4.8.0, one shared HocuspocusProviderWebsocket per client with one HocuspocusProvider per document; awareness on the first document only, as its documentation advises for many documents on one socket.',
    'documents are attached in batches: at most 100 waiting for their first sync on a socket (Hocuspocus 4 closes a connection that has more than 100 documents pending authentication, its `maxPendingDocuments`).',
    'acknowledgement: the provider’s `unsyncedChanges` back to 0, which the server sends once it applied the change in memory, before storing it.',
  ],
  openClient: async (remote, ids) => openHocuspocusClient(remote.url, ids),
  async start(records, options) {
    const dataDir = await seededCopy(`hocuspocus sqlite ${records}`, async (dir) =>
      seedSqlite(join(dir, DATABASE), await contactDocuments(records)),
    );
    const removeData = () => rmSync(dataDir, { recursive: true, force: true });
    try {
      const database = join(dataDir, DATABASE);
      const server = await startServerProcess({
        inspect: options?.inspect,
        name: 'hocuspocus',
        args: [serverScript, database],
        listeningUrl: (output) => /hocuspocus listening on (ws:\/\/\S+)/.exec(output)?.[1],
      });
      return {
        pid: server.pid,
        url: server.url,
        seedMetrics: {},
        seedUsage: undefined,
        collectGarbage: garbageCollectorOf(server),
        remote: () => ({ url: server.url }),
        open: async (ids) => openHocuspocusClient(server.url, ids),
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

function seedSqlite(file: string, documents: ContactDocuments): void {
  const db = new Database(file);
  db.exec(schema);
  const upsert = db.prepare(upsertQuery);
  db.transaction(() => {
    for (const [id, update] of documents)
      upsert.run({ name: contactDocumentName(id), data: Buffer.from(update) });
  })();
  db.close();
}
