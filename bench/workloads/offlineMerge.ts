/**
 * offline-merge: two clients share the same records, both go offline, each makes many edits across them,
 * and both reconnect at once. Timed until both hold every edit of both and the relay has confirmed what it
 * can (Ferry: committed; Hocuspocus: applied; y-websocket: nothing to wait for); then a third, fresh client
 * checks that the relay holds the same.
 */
import { contactIds } from '../ferry/contacts.js';
import { withDeadline } from '../lib/deadline.js';
import { PendingSet } from '../lib/pendingSet.js';
import { processMetrics } from '../lib/processMetrics.js';
import { measureProcess } from '../lib/processStats.js';
import { integer, pick, seededRandom } from '../lib/random.js';
import { wireSince } from '../lib/wireCounts.js';
import type { ClientUnderTest, FieldValue, SystemUnderTest } from '../systems/SystemUnderTest.js';
import { withServer } from '../systems/withServer.js';
import type { Workload, WorkloadResult } from '../workload.js';

/** Fields an edit may change, with a value of the field's kind. */
const EDITS: readonly (readonly [string, (random: () => number) => FieldValue])[] = [
  ['score', (random) => integer(random, 100)],
  ['revenue', (random) => integer(random, 1_000_000)],
  ['employees', (random) => integer(random, 5000)],
  ['city', (random) => pick(random, ['Bergen', 'Nara', 'Accra', 'Cusco', 'Hobart', 'Tartu'])],
  ['jobTitle', (random) => pick(random, ['COO', 'Designer', 'Recruiter', 'Counsel'])],
  ['active', (random) => random() < 0.5],
  ['vip', (random) => random() < 0.5],
];

export function offlineMerge(system: SystemUnderTest): Workload {
  return {
    name: 'offline-merge',
    system: system.name,
    description: 'Two clients edit shared records offline, reconnect at once: time until all agree.',
    run: (size) =>
      withServer(system, size.mergeRecords, async ({ server, open }): Promise<WorkloadResult> => {
        const ids = contactIds(size.mergeRecords);
        const [a, b] = [await open(ids, 'collection'), await open(ids, 'collection')];
        await withDeadline(Promise.all([a!.whenSynced(), b!.whenSynced()]), 120_000, 'offline-merge: setup');
        await Promise.all([a!.goOffline(), b!.goOffline()]);
        editOffline(a!, ids, size.mergeEdits, seededRandom(11));
        editOffline(b!, ids, size.mergeEdits, seededRandom(12));
        const expected = new Map(ids.map((id) => [id, union(a!.stateVector(id), b!.stateVector(id))]));

        const wireBefore = [{ ...a!.wire }, { ...b!.wire }];
        const usage = measureProcess(server.pid);
        const start = performance.now();
        const converged = Promise.all([a!, b!].map((client) => untilHolds(client, ids, expected)));
        a!.goOnline();
        b!.goOnline();
        await withDeadline(converged, 300_000, `${system.name}: offline merge converging`);
        await withDeadline(Promise.all([a!.whenSynced(), b!.whenSynced()]), 300_000, 'offline-merge: saving');
        const mergeMs = performance.now() - start;
        const relay = usage();
        const wire = [wireSince(a!.wire, wireBefore[0]!), wireSince(b!.wire, wireBefore[1]!)];

        // Checked after the clock stopped: a fresh client sees what the relay holds.
        const fresh = await open(ids, 'collection');
        await withDeadline(fresh.whenSynced(), 120_000, 'offline-merge: fresh client');
        const differing = ids.filter(
          (id) => a!.content(id) !== b!.content(id) || fresh.content(id) !== a!.content(id),
        ).length;
        if (differing > 0) throw new Error(`offline-merge (${system.name}): ${differing} records differ.`);

        return {
          workload: 'offline-merge',
          system: system.name,
          size: size.name,
          params: { records: ids.length, editsPerClient: size.mergeEdits },
          metrics: {
            'time until both clients and the relay agree': { value: mergeMs, unit: 'ms' },
            'bytes sent (both clients)': { value: wire[0]!.bytesSent + wire[1]!.bytesSent, unit: 'B' },
            'bytes received (both clients)': {
              value: wire[0]!.bytesReceived + wire[1]!.bytesReceived,
              unit: 'B',
            },
            'frames sent (both clients)': {
              value: wire[0]!.framesSent + wire[1]!.framesSent,
              unit: 'frames',
            },
            ...processMetrics('relay', relay),
            'records differing afterwards': { value: differing, unit: 'records' },
          },
          notes: system.notes,
        };
      }),
  };
}

function editOffline(client: ClientUnderTest, ids: readonly string[], edits: number, random: () => number) {
  for (let n = 0; n < edits; n++) {
    const [field, value] = pick(random, EDITS);
    client.write(pick(random, ids), { [field]: value(random) });
  }
}

function union(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): Map<number, number> {
  const merged = new Map(a);
  for (const [client, clock] of b) merged.set(client, Math.max(clock, merged.get(client) ?? 0));
  return merged;
}

/** Resolves once every record's state vector on `client` covers the expected one. */
function untilHolds(
  client: ClientUnderTest,
  ids: readonly string[],
  expected: ReadonlyMap<string, ReadonlyMap<number, number>>,
): Promise<void> {
  const pending = new PendingSet(ids, (id) => {
    const has = client.stateVector(id);
    for (const [writer, clock] of expected.get(id)!) if ((has.get(writer) ?? 0) < clock) return false;
    return true;
  });
  const stops = ids.map((id) => client.onChange(id, () => pending.recheck(id)));
  return pending.done.finally(() => {
    for (const stop of stops) stop();
  });
}
