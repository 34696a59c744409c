/**
 * cold-sync: a new client with nothing stored opens every record the relay holds, timed from opening until
 * every record's content has arrived. The same client then goes on to the resume scenario (resume.ts),
 * as the issue has it: "the same client reconnects".
 */
import { contactIds } from '../ferry/contacts.js';
import { withDeadline } from '../lib/deadline.js';
import { processMetrics } from '../lib/processMetrics.js';
import { measureProcess } from '../lib/processStats.js';
import { cpuMsSince } from '../lib/stopwatch.js';
import type { ClientUnderTest, SystemUnderTest } from '../systems/SystemUnderTest.js';
import { type Session, withServer } from '../systems/withServer.js';
import type { BenchSize, Workload, WorkloadResult } from '../workload.js';
import { measureResume } from './resume.js';

export function coldSyncThenResume(system: SystemUnderTest): Workload {
  return {
    name: 'cold-sync',
    alsoReports: ['resume'],
    system: system.name,
    description: 'A fresh client syncs every 20-field record from the relay; then resumes after 1% changed.',
    run: (size) =>
      withServer(system, size.records, async (session) => {
        const { result, client } = await measureColdSync(system, session, size);
        return [result, await measureResume(system, session, size, client, result)];
      }),
  };
}

async function measureColdSync(
  system: SystemUnderTest,
  { server, open }: Session,
  size: BenchSize,
): Promise<{ result: WorkloadResult; client: ClientUnderTest }> {
  const ids = contactIds(size.records);
  const usage = measureProcess(server.pid);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const client = await open(ids, 'collection');
  await withDeadline(client.whenSynced(), 600_000, `${system.name}: cold sync`);
  const syncedMs = performance.now() - start;
  const clientCpuMs = cpuMsSince(cpu);
  const relay = usage();
  const missing = ids.filter((id) => client.read(id, 'email') === undefined).length;
  if (missing > 0) throw new Error(`cold-sync (${system.name}): ${missing} records never arrived.`);
  const wire = { ...client.wire };
  const result: WorkloadResult = {
    workload: 'cold-sync',
    system: system.name,
    size: size.name,
    params: { records: size.records, fieldsPerRecord: 20 },
    metrics: {
      'time to synced': { value: syncedMs, unit: 'ms' },
      'client CPU': { value: clientCpuMs, unit: 'ms' },
      'bytes received': { value: wire.bytesReceived, unit: 'B' },
      'bytes received per record': { value: wire.bytesReceived / size.records, unit: 'B' },
      'frames received': { value: wire.framesReceived, unit: 'frames' },
      'bytes sent': { value: wire.bytesSent, unit: 'B' },
      ...processMetrics('relay', relay),
      ...server.seedMetrics,
      ...(server.seedUsage ? processMetrics('seed: relay', server.seedUsage) : {}),
    },
    notes: system.notes,
  };
  return { result, client };
}
