/**
 * durable-ack: a steady stream of single-field writes across some records, and for each write the time
 * until the system confirms it (what that confirmation means differs: see each system's notes), and until
 * a second client sees it.
 */
import { contactIds } from '../ferry/contacts.js';
import { withDeadline } from '../lib/deadline.js';
import { paced } from '../lib/pacing.js';
import { PendingSet } from '../lib/pendingSet.js';
import { processMetrics } from '../lib/processMetrics.js';
import { measureProcess } from '../lib/processStats.js';
import { summarize } from '../lib/stats.js';
import type { SystemUnderTest } from '../systems/SystemUnderTest.js';
import { withServer } from '../systems/withServer.js';
import type { Metric, Workload, WorkloadResult } from '../workload.js';

/** Score values no seeded record has: the observer tells writes apart by them. */
const BASE = 10_000_000;

export function durableAck(system: SystemUnderTest): Workload {
  return {
    name: 'durable-ack',
    system: system.name,
    description: 'Writes at a steady rate: time to the system’s acknowledgement and to another client.',
    run: (size) =>
      withServer(system, size.ackRecords, async ({ server, open }): Promise<WorkloadResult> => {
        const ids = contactIds(size.ackRecords);
        const writer = await open(ids, 'collection');
        const observer = await open(ids, 'collection');
        await withDeadline(Promise.all([writer.whenSynced(), observer.whenSynced()]), 60_000, 'setup');
        const writes = size.ackWrites;
        const sentAt = new Float64Array(writes);
        const seen: number[] = [];
        const acknowledged: number[] = [];
        const acks: Promise<void>[] = [];
        const echoes = new PendingSet(
          Array.from({ length: writes }, (_, i) => i),
          (i) => seen[i] !== undefined,
        );
        const stops = ids.map((id) =>
          observer.onChange(id, () => {
            const latest = Number(observer.read(id, 'score')) - BASE;
            if (latest < 0 || latest >= writes) return;
            // A relay may merge several writes to one record into one update (Hocuspocus 4 does within an
            // event-loop turn): the observer then holds the earlier writes too, overwritten. They count as
            // seen now.
            const now = performance.now();
            for (let i = latest; i >= 0 && seen[i] === undefined; i -= ids.length) {
              seen[i] = now - sentAt[i]!;
              echoes.recheck(i);
            }
          }),
        );
        const usage = measureProcess(server.pid);
        await paced(writes, size.ackRate, (i) => {
          const id = ids[i % ids.length]!;
          const start = performance.now();
          sentAt[i] = start;
          writer.write(id, { score: BASE + i });
          const confirmed = writer.confirm?.(id);
          if (confirmed) acks.push(confirmed.then(() => void acknowledged.push(performance.now() - start)));
        });
        await withDeadline(Promise.all([...acks, echoes.done]), 120_000, `${system.name}: acknowledgements`);
        const relay = usage();
        for (const stop of stops) stop();

        const ackMetrics: Record<string, Metric> = {};
        if (acknowledged.length > 0) {
          const ack = summarize(acknowledged);
          ackMetrics['write → acknowledged p50'] = { value: ack.p50, unit: 'ms' };
          ackMetrics['write → acknowledged p99'] = { value: ack.p99, unit: 'ms' };
        }
        const echo = summarize(seen);
        return {
          workload: 'durable-ack',
          system: system.name,
          size: size.name,
          params: { writes, perSecond: size.ackRate, records: ids.length },
          metrics: {
            ...ackMetrics,
            'write → seen by another client p50': { value: echo.p50, unit: 'ms' },
            'write → seen by another client p99': { value: echo.p99, unit: 'ms' },
            ...processMetrics('relay', relay),
          },
          notes: system.notes,
          samples: { 'write → acknowledged': acknowledged, 'write → seen by another client': seen },
        };
      }),
  };
}
