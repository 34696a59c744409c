/**
 * memory: the relay's resident memory (from /proc) idle, with one client holding many documents open, with
 * many idle connections on one document, and after every client left. Each reading follows a full garbage
 * collection forced through the server's inspector, so it shows what is retained, not what awaits
 * collection; differences between phases are still differences of RSS (whole pages, allocator slack).
 */
import { contactId, contactIds } from '../ferry/contacts.js';
import { withDeadline } from '../lib/deadline.js';
import { sleep } from '../lib/pacing.js';
import { peakRssKiB, rssKiB } from '../lib/processStats.js';
import type { ClientUnderTest, SystemUnderTest } from '../systems/SystemUnderTest.js';
import { withServer } from '../systems/withServer.js';
import type { Metric, Workload, WorkloadResult } from '../workload.js';

/** After a forced collection, V8 returns freed pages to the system in the background. */
const AFTER_COLLECTION_MS = 300;

export function memory(system: SystemUnderTest): Workload {
  return {
    name: 'memory',
    system: system.name,
    description: 'Relay RSS per open idle document, per idle connection, and after every client left.',
    run: (size) =>
      withServer(
        system,
        system.hasDocuments ? size.memoryDocuments : 1,
        async ({ server, open }) => {
          const clients: ClientUnderTest[] = [];
          const retainedKiB = async (settleMs: number) => {
            await sleep(settleMs);
            await server.collectGarbage();
            await sleep(AFTER_COLLECTION_MS);
            return rssKiB(server.pid);
          };
          const idleKiB = await retainedKiB(size.memorySettleMs);
          const metrics: Record<string, Metric> = { 'RSS idle, no client': mib(idleKiB) };

          let beforeConnectionsKiB = idleKiB;
          if (system.hasDocuments) {
            const holder = await open(contactIds(size.memoryDocuments), 'records');
            clients.push(holder);
            await withDeadline(holder.whenSynced(), 300_000, `${system.name}: opening documents`);
            beforeConnectionsKiB = await retainedKiB(size.memorySettleMs);
            metrics['RSS per open idle document'] = {
              value: (beforeConnectionsKiB - idleKiB) / size.memoryDocuments,
              unit: 'KiB',
            };
          }

          for (let c = 0; c < size.memoryConnections; c++)
            clients.push(await open([contactId(0)], 'records'));
          await withDeadline(
            Promise.all(clients.map((client) => client.whenSynced())),
            300_000,
            `${system.name}: opening connections`,
          );
          const allKiB = await retainedKiB(size.memorySettleMs);
          metrics['RSS per idle connection'] = {
            value: (allKiB - beforeConnectionsKiB) / size.memoryConnections,
            unit: 'KiB',
          };
          metrics['RSS with every client connected'] = mib(allKiB);

          await Promise.all(clients.map((client) => client.close()));
          const leftMs = size.memoryAfterLeavingMs;
          metrics[`RSS ${leftMs / 1000} s after every client left`] = mib(await retainedKiB(leftMs));
          const unloadMs = system.unloadsIdleDocumentsAfterMs;
          if (unloadMs !== undefined && system.hasDocuments && size.memoryAfterUnload) {
            // A server that keeps idle documents loaded for a while is read again once they are unloaded.
            const seconds = Math.ceil((unloadMs + leftMs) / 1000);
            metrics[`RSS ${seconds} s after every client left (idle documents unloaded)`] = mib(
              await retainedKiB(seconds * 1000 - leftMs),
            );
          }
          metrics['peak RSS (since it started)'] = mib(peakRssKiB(server.pid));
          const result: WorkloadResult = {
            workload: 'memory',
            system: system.name,
            size: size.name,
            params: {
              documents: system.hasDocuments ? size.memoryDocuments : 0,
              connections: size.memoryConnections,
            },
            metrics,
            notes: system.notes,
          };
          return result;
        },
        { inspect: true },
      ),
  };
}

const mib = (kib: number): Metric => ({ value: kib / 1024, unit: 'MiB' });
