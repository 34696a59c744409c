/**
 * resume: the client of the cold sync goes offline, 1% of the records change on the relay through another
 * client, and the first one reconnects: what catching up costs should follow what changed, not what is
 * stored. For Ferry, the same client then also restarts on its local store after another 1%.
 */
import { contactId, contactIds } from '../ferry/contacts.js';
import { withDeadline } from '../lib/deadline.js';
import { PendingSet } from '../lib/pendingSet.js';
import { processMetrics } from '../lib/processMetrics.js';
import { measureProcess } from '../lib/processStats.js';
import { cpuMsSince } from '../lib/stopwatch.js';
import { wireSince } from '../lib/wireCounts.js';
import type { FerryClientUnderTest } from '../systems/ferryClient.js';
import type { ClientUnderTest, SystemUnderTest } from '../systems/SystemUnderTest.js';
import type { Session } from '../systems/withServer.js';
import type { BenchSize, Metric, WorkloadResult } from '../workload.js';

/** The score the i-th changed contact gets in round `round`: negative, so no seeded record has it. */
const changedScore = (round: number, index: number) => -1 - index - round * 1_000_000;

/** Goes on from a cold sync with the same client: offline, 1% changed elsewhere, back online. */
export async function measureResume(
  system: SystemUnderTest,
  session: Session,
  size: BenchSize,
  client: ClientUnderTest,
  coldSync: WorkloadResult,
): Promise<WorkloadResult> {
  const { server } = session;
  const ids = contactIds(size.records);
  await client.goOffline();
  const changed = Math.max(1, Math.round(size.records * size.changedFraction));
  // Spread over the whole id range, as edits by other users would be.
  const changedIds = Array.from({ length: changed }, (_, i) =>
    contactId(Math.floor((i * size.records) / changed)),
  );
  await changeElsewhere(session, changedIds, 1);

  const wireBefore = { ...client.wire };
  const usage = measureProcess(server.pid);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const caughtUp = untilChanged(client, changedIds, 1);
  client.goOnline();
  await withDeadline(Promise.all([caughtUp, client.whenSynced()]), 600_000, `${system.name}: resume`);
  const resumeMs = performance.now() - start;
  const clientCpuMs = cpuMsSince(cpu);
  const relay = usage();
  const wire = wireSince(client.wire, wireBefore);
  const missing = ids.filter((id) => client.read(id, 'email') === undefined).length;
  if (missing > 0) throw new Error(`resume (${system.name}): ${missing} records missing afterwards.`);

  const reopen =
    'reopen' in client ? await reopenFromStore(session, client as FerryClientUnderTest, changedIds) : {};
  return {
    workload: 'resume',
    system: system.name,
    size: size.name,
    params: { records: size.records, changedRecords: changed },
    metrics: {
      'time to caught up': { value: resumeMs, unit: 'ms' },
      'client CPU': { value: clientCpuMs, unit: 'ms' },
      'bytes received': { value: wire.bytesReceived, unit: 'B' },
      'bytes received per changed record': { value: wire.bytesReceived / changed, unit: 'B' },
      'frames received': { value: wire.framesReceived, unit: 'frames' },
      'bytes sent': { value: wire.bytesSent, unit: 'B' },
      ...processMetrics('relay', relay),
      'first sync of the same client (the cold sync)': coldSync.metrics['time to synced']!,
      ...reopen,
    },
    notes: system.notes,
  };
}

/** Another client opens only the records to change, changes them, and leaves once the relay has them. */
async function changeElsewhere(session: Session, ids: readonly string[], round: number): Promise<void> {
  const editor = await session.open(ids, 'records');
  await withDeadline(editor.whenSynced(), 120_000, 'resume: the editor syncing');
  for (const [i, id] of ids.entries()) editor.write(id, { score: changedScore(round, i) });
  await withDeadline(editor.whenSynced(), 120_000, 'resume: the editor saving');
  await editor.close();
}

function untilChanged(client: ClientUnderTest, ids: readonly string[], round: number): Promise<void> {
  const pending = new PendingSet(ids.keys(), (i) => client.read(ids[i]!, 'score') === changedScore(round, i));
  const stops = ids.map((id, i) => client.onChange(id, () => pending.recheck(i)));
  return pending.done.finally(() => {
    for (const stop of stops) stop();
  });
}

/**
 * Ferry keeps records in a local store, so a client can also come back after a restart (the app was closed):
 * open the store, then catch up. Timed after another 1% changed.
 */
async function reopenFromStore(
  session: Session,
  client: FerryClientUnderTest,
  changedIds: readonly string[],
): Promise<Record<string, Metric>> {
  await client.close();
  await changeElsewhere(session, changedIds, 2);
  const timing = await client.reopen();
  const missed = changedIds.filter((id, i) => client.read(id, 'score') !== changedScore(2, i)).length;
  if (missed > 0) throw new Error(`resume (reopen): ${missed} changes missing.`);
  return {
    'reopen from local store: time to whenSynced': { value: timing.syncedMs, unit: 'ms' },
    'reopen from local store: open local store': { value: timing.openMs, unit: 'ms' },
    'reopen from local store: catch up with relay': { value: timing.syncedMs - timing.openMs, unit: 'ms' },
    'reopen from local store: client CPU': { value: timing.clientCpuMs, unit: 'ms' },
    'reopen from local store: bytes received': { value: timing.wire.bytesReceived, unit: 'B' },
  };
}
