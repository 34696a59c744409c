/**
 * fan-out: one writer and many readers on one document. A burst of small map updates (one per turn of the
 * event loop, as fast as the writer's client sends them) measures deliveries per second; the same number
 * paced at a steady rate measures how long each update takes to reach each reader. Writer and readers share
 * this process, so a slow client counts against its system as a slow relay does.
 */
import { contactId } from '../ferry/contacts.js';
import { withDeadline } from '../lib/deadline.js';
import { paced, sleep, yieldToEventLoop } from '../lib/pacing.js';
import { PendingSet } from '../lib/pendingSet.js';
import { processMetrics } from '../lib/processMetrics.js';
import { measureProcess, type ProcessUsage } from '../lib/processStats.js';
import { perMille, summarize } from '../lib/stats.js';
import { cpuMsSince } from '../lib/stopwatch.js';
import { wireSince } from '../lib/wireCounts.js';
import type { ClientUnderTest, SystemUnderTest } from '../systems/SystemUnderTest.js';
import { withServer } from '../systems/withServer.js';
import type { Metric, Workload, WorkloadResult } from '../workload.js';

export const RECORD = contactId(0);
// Score values no seeded record has, so a reader can tell which update it is looking at.
export const BURST_BASE = 1_000_000;
export const PACED_BASE = 2_000_000;

export function fanOut(system: SystemUnderTest): Workload {
  return {
    name: 'fan-out',
    system: system.name,
    description: 'One writer, many readers on one document: burst throughput, then latency at a steady rate.',
    run: (size) =>
      withServer(system, 1, async ({ server, open }): Promise<WorkloadResult> => {
        const writer = await open([RECORD], 'records');
        const readers: ClientUnderTest[] = [];
        for (let r = 0; r < size.fanOutReaders; r++) readers.push(await open([RECORD], 'records'));
        await withDeadline(
          Promise.all([writer, ...readers].map((client) => client.whenSynced())),
          60_000,
          `${system.name}: fan-out clients syncing`,
        );
        const updates = size.fanOutUpdates;

        const burstUsage = measureProcess(server.pid);
        const burstCpu = process.cpuUsage();
        const wireBefore = readers.map((reader) => ({ ...reader.wire }));
        const burstEnd = BURST_BASE + updates;
        const burstStart = performance.now();
        const burstDone = untilEveryReader(readers, (reader) => reader.read(RECORD, 'score') === burstEnd);
        for (let n = 1; n <= updates; n++) {
          writer.write(RECORD, { score: BURST_BASE + n });
          await yieldToEventLoop();
        }
        await withDeadline(burstDone, 300_000, `${system.name}: fan-out burst`);
        const burstMs = performance.now() - burstStart;
        const burstClientCpuMs = cpuMsSince(burstCpu);
        const relayInBurst = burstUsage();
        const framesPerReader =
          readers.reduce((sum, reader, r) => sum + wireSince(reader.wire, wireBefore[r]!).framesReceived, 0) /
          readers.length;

        await sleep(200);
        const pacedUsage = measureProcess(server.pid);
        const latencies = await pacedLatencies(writer, readers, updates, size.fanOutRate);
        const relayWhilePaced = pacedUsage();

        return {
          workload: 'fan-out',
          system: system.name,
          size: size.name,
          params: { readers: readers.length, updates, pacedRate: size.fanOutRate },
          metrics: fanOutMetrics({
            deliveries: updates * readers.length,
            burstMs,
            framesPerReader,
            clientCpu: ['burst: client CPU (writer and readers)', burstClientCpuMs],
            relayInBurst,
            latencies,
            relayWhilePacedMs: relayWhilePaced.cpuMs,
          }),
          notes: system.notes,
          // Readers × updates samples: kept as their distribution, one point per 0.1%.
          samples: { 'paced: delivery latency, per mille': perMille(latencies) },
        };
      }),
  };
}

/** What fan-out measured, as its rows (shared with fan-out-processes, whose clients' CPU is named apart). */
export function fanOutMetrics(measured: {
  deliveries: number;
  burstMs: number;
  framesPerReader: number;
  clientCpu: readonly [label: string, ms: number];
  relayInBurst: ProcessUsage;
  latencies: readonly number[];
  relayWhilePacedMs: number;
}): Record<string, Metric> {
  const latency = summarize([...measured.latencies]);
  return {
    'burst: deliveries per second': { value: (measured.deliveries * 1000) / measured.burstMs, unit: '/s' },
    'burst: until every reader has every update': { value: measured.burstMs, unit: 'ms' },
    'burst: frames received per reader': { value: measured.framesPerReader, unit: 'frames' },
    [measured.clientCpu[0]]: { value: measured.clientCpu[1], unit: 'ms' },
    ...processMetrics('burst: relay', measured.relayInBurst),
    'paced: delivery latency p50': { value: latency.p50, unit: 'ms' },
    'paced: delivery latency p99': { value: latency.p99, unit: 'ms' },
    'paced: delivery latency max': { value: latency.max, unit: 'ms' },
    'paced: relay CPU': { value: measured.relayWhilePacedMs, unit: 'ms' },
  };
}

/** Resolves once `done(reader)` holds for every reader, checked on each change the reader sees. */
function untilEveryReader(
  readers: readonly ClientUnderTest[],
  done: (reader: ClientUnderTest) => boolean,
): Promise<void> {
  const pending = new PendingSet(readers.keys(), (r) => done(readers[r]!));
  const stops = readers.map((reader, r) => reader.onChange(RECORD, () => pending.recheck(r)));
  return pending.done.finally(() => {
    for (const stop of stops) stop();
  });
}

/**
 * Writes `updates` values at `perSecond` and returns, for every reader and every update, the milliseconds
 * from the write until the reader saw it. An update a reader only sees merged into a later one counts as
 * delivered when that later one arrives.
 */
async function pacedLatencies(
  writer: ClientUnderTest,
  readers: readonly ClientUnderTest[],
  updates: number,
  perSecond: number,
): Promise<number[]> {
  const sentAt = new Float64Array(updates + 1);
  const seen = readers.map(() => 0);
  const samples: number[] = [];
  const pending = new PendingSet(readers.keys(), (r) => seen[r] === updates);
  const stops = readers.map((reader, r) =>
    reader.onChange(RECORD, () => {
      const value = Number(reader.read(RECORD, 'score')) - PACED_BASE;
      if (!(value > seen[r]! && value <= updates)) return;
      const now = performance.now();
      for (let n = seen[r]! + 1; n <= value; n++) samples.push(now - sentAt[n]!);
      seen[r] = value;
      pending.recheck(r);
    }),
  );
  try {
    await paced(updates, perSecond, (i) => {
      sentAt[i + 1] = performance.now();
      writer.write(RECORD, { score: PACED_BASE + i + 1 });
    });
    await withDeadline(pending.done, 120_000, 'fan-out: paced updates reaching every reader');
  } finally {
    for (const stop of stops) stop();
  }
  return samples;
}
