/**
 * Ferry: `ferry serve` in a child process (SQLite, synchronous = FULL, by default), seeded by one client
 * uploading the contacts; clients are Ferry clients on memory storage, one WebSocket each whatever the
 * number of records.
 */
import { startRelayProcess } from '../ferry/relayProcess.js';
import { seedContacts } from '../ferry/seedContacts.js';
import { garbageCollectorOf } from '../lib/collectGarbage.js';
import { measureProcess } from '../lib/processStats.js';
import { openFerryClient } from './ferryClient.js';
import type { SystemUnderTest } from './SystemUnderTest.js';

export interface FerrySystemOptions {
  /** The row label: `ferry` for the default storage. */
  readonly name: string;
  /** More `ferry serve` arguments, e.g. another storage backend. */
  readonly relayArgs?: readonly string[];
  readonly storage: string;
}

export function ferrySystem({ name, relayArgs = [], storage }: FerrySystemOptions): SystemUnderTest {
  return {
    name,
    hasDocuments: true,
    // The relay's default idleUnloadMs.
    unloadsIdleDocumentsAfterMs: 30_000,
    notes: [
      `relay: \`ferry serve\` (@ferry/server), storage: ${storage}; an acknowledgement means committed.`,
      'client: @ferry/core on memory storage, one WebSocket per client for any number of records.',
    ],
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
          open: (ids, mode) => openFerryClient(relay.url, ids, mode),
          stop: () => relay.stop(),
        };
      } catch (error) {
        await relay.stop();
        throw error;
      }
    },
  };
}
