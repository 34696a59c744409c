/**
 * Ferry: `ferry serve` in a child process (SQLite, synchronous = FULL, by default), seeded by one client
 * uploading the contacts; clients are Ferry clients on memory storage, one WebSocket each whatever the
 * number of records, or y-websocket providers on the relay's `/y/` endpoint.
 */
import { startRelayProcess } from '../ferry/relayProcess.js';
import { seedContacts } from '../ferry/seedContacts.js';
import { garbageCollectorOf } from '../lib/collectGarbage.js';
import { measureProcess } from '../lib/processStats.js';
import { openFerryClient } from './ferryClient.js';
import type { ClientUnderTest, SystemUnderTest } from './SystemUnderTest.js';
import { openYWebsocketClient } from './yWebsocketClient.js';

export interface FerrySystemOptions {
  /** The row label: `ferry` for the default storage. */
  readonly name: string;
  /** More `ferry serve` arguments, e.g. another storage backend. */
  readonly relayArgs?: readonly string[];
  readonly storage: string;
  /** Whose clients connect: Ferry's own over `/sync` (the default), or y-websocket's over `/y/`. */
  readonly clients?: 'ferry' | 'y-websocket';
}

export function ferrySystem({
  name,
  relayArgs = [],
  storage,
  clients = 'ferry',
}: FerrySystemOptions): SystemUnderTest {
  const openClient = (url: string, ids: readonly string[], mode: Parameters<typeof openFerryClient>[2]) =>
    clients === 'ferry'
      ? openFerryClient(url, ids, mode)
      : Promise.resolve<ClientUnderTest>(openYWebsocketClient(`${url}/y`, ids));
  return {
    name,
    hasDocuments: true,
    // The relay's default idleUnloadMs.
    unloadsIdleDocumentsAfterMs: 30_000,
    notes: [
      `relay: \`ferry serve\` (@ferry/server), storage: ${storage}; an acknowledgement means committed.`,
      clients === 'ferry'
        ? 'client: @ferry/core on memory storage, one WebSocket per client for any number of records.'
        : 'client: y-websocket 3.1.0 `WebsocketProvider` on the relay’s `/y/` endpoint, one WebSocket per document.',
    ],
    openClient: (remote, ids, mode) => openClient(remote.url, ids, mode),
    async start(records, options) {
      const relay = await startRelayProcess(relayArgs, options);
      try {
        const usage = measureProcess(relay.pid);
        const seed = await seedContacts(relay.url, records);
        return {
          pid: relay.pid,
          url: relay.url,
          seedMetrics: {
            'seed: upload by one writer': { value: seed.ms, unit: 'ms' },
            'seed: writer disconnected by relay': { value: seed.disconnects, unit: 'count' },
          },
          seedUsage: usage(),
          collectGarbage: garbageCollectorOf(relay),
          remote: () => ({ url: relay.url }),
          open: (ids, mode) => openClient(relay.url, ids, mode),
          stop: () => relay.stop(),
        };
      } catch (error) {
        await relay.stop();
        throw error;
      }
    },
  };
}
