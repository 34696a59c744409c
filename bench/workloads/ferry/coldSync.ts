/**
 * cold-sync: a new device with nothing stored syncs every record from a relay that holds them all. Client
 * and relay run in separate processes; the relay's CPU and memory are read from /proc.
 */
import { MemoryStorage } from '@ferry/core';
import { startRelayProcess } from '../../ferry/relayProcess.js';
import { seedContacts } from '../../ferry/seedContacts.js';
import { timedSync } from '../../ferry/timedSync.js';
import { processMetrics } from '../../lib/processMetrics.js';
import { measureProcess } from '../../lib/processStats.js';
import type { BenchSize, Workload, WorkloadResult } from '../../workload.js';

export const coldSync: Workload = {
  name: 'cold-sync',
  system: 'ferry',
  description: 'A fresh client (memory storage) syncs every 20-field record from a relay process (SQLite).',
  async run(size: BenchSize): Promise<WorkloadResult> {
    const relay = await startRelayProcess();
    try {
      const seedUsage = measureProcess(relay.pid);
      const seed = await seedContacts(relay.url, size.records);
      const relayWhileSeeding = seedUsage();

      const syncUsage = measureProcess(relay.pid);
      const sync = await timedSync(relay.url, new MemoryStorage());
      const relayWhileSyncing = syncUsage();
      await sync.close();
      if (sync.records !== size.records) {
        throw new Error(`cold-sync: the client holds ${sync.records} records, expected ${size.records}.`);
      }
      return {
        workload: 'cold-sync',
        system: 'ferry',
        size: size.name,
        params: { records: size.records, fieldsPerRecord: 20, relay: 'child process, SQLite' },
        metrics: {
          'time to whenSynced': { value: sync.syncedMs, unit: 'ms' },
          'client CPU': { value: sync.clientCpuMs, unit: 'ms' },
          'bytes received': { value: sync.wire.bytesReceived, unit: 'B' },
          'bytes received per record': { value: sync.wire.bytesReceived / size.records, unit: 'B' },
          'frames received': { value: sync.wire.framesReceived, unit: 'frames' },
          'bytes sent': { value: sync.wire.bytesSent, unit: 'B' },
          ...processMetrics('relay', relayWhileSyncing),
          'seed: upload by one writer': { value: seed.ms, unit: 'ms' },
          'seed: writer disconnected by relay': { value: seed.disconnects, unit: 'count' },
          ...processMetrics('seed: relay', relayWhileSeeding),
        },
      };
    } finally {
      await relay.stop();
    }
  },
};
