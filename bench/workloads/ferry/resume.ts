/**
 * resume: a device that synced everything goes away, 1% of the records change on the relay, and the
 * device comes back on the same storage. What it costs should follow what changed, not what is stored.
 */
import { MemoryStorage } from '@ferry/core';
import { changeContacts, changedScore } from '../../ferry/changeContacts.js';
import { contactId } from '../../ferry/contacts.js';
import { startRelayProcess } from '../../ferry/relayProcess.js';
import { seedContacts } from '../../ferry/seedContacts.js';
import { timedSync } from '../../ferry/timedSync.js';
import { processMetrics } from '../../lib/processMetrics.js';
import { measureProcess } from '../../lib/processStats.js';
import type { BenchSize, Workload, WorkloadResult } from '../../workload.js';

export const resume: Workload = {
  name: 'resume',
  system: 'ferry',
  description: 'A synced client reopens on the same storage after 1% of the records changed elsewhere.',
  async run(size: BenchSize): Promise<WorkloadResult> {
    const relay = await startRelayProcess();
    try {
      await seedContacts(relay.url, size.records);
      const device = new MemoryStorage();
      const first = await timedSync(relay.url, device);
      await first.close();

      const changed = Math.max(1, Math.round(size.records * size.changedFraction));
      // Spread over the whole id range, as edits by other users would be.
      const ids = Array.from({ length: changed }, (_, i) =>
        contactId(Math.floor((i * size.records) / changed)),
      );
      await changeContacts(relay.url, ids);

      const serverUsage = measureProcess(relay.pid);
      const back = await timedSync(relay.url, device);
      const server = serverUsage();
      const missed = ids.filter((id, i) => back.collection.get(id)?.get('score') !== changedScore(i));
      await back.close();
      if (missed.length > 0 || back.records !== size.records) {
        throw new Error(`resume: ${missed.length} changes missing, ${back.records}/${size.records} records.`);
      }
      return {
        workload: 'resume',
        system: 'ferry',
        size: size.name,
        params: { records: size.records, changedRecords: changed, relay: 'child process, SQLite' },
        metrics: {
          'time to whenSynced': { value: back.syncedMs, unit: 'ms' },
          'time to whenSynced: open local store': { value: back.openMs, unit: 'ms' },
          'time to whenSynced: catch up with relay': { value: back.syncedMs - back.openMs, unit: 'ms' },
          'client CPU': { value: back.clientCpuMs, unit: 'ms' },
          'bytes received': { value: back.wire.bytesReceived, unit: 'B' },
          'bytes received per changed record': { value: back.wire.bytesReceived / changed, unit: 'B' },
          'frames received': { value: back.wire.framesReceived, unit: 'frames' },
          'bytes sent': { value: back.wire.bytesSent, unit: 'B' },
          ...processMetrics('relay', server),
          'first sync of the same client (setup)': { value: first.syncedMs, unit: 'ms' },
        },
      };
    } finally {
      await relay.stop();
    }
  },
};
