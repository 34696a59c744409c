/**
 * What record-level read checks cost on /sync: a cold sync of a collection and live fan-out to its
 * followers, with an `authorize` that allows everything and with one that denies one record in ten.
 * Prints; asserts nothing. Run: npx turbo run build && node --import tsx bench/recordRules/recordRead.ts
 */
import { silentLogger } from '@ferry/core';
import { type Access, createRelay, MemoryServerStorage, type RelayAuth } from '@ferry/server';
import * as Y from 'yjs';
import { connect } from './countingClient.js';

const RECORDS = 10_000;
const FOLLOWERS = 20;
const LIVE_UPDATES = 2_000;

const everything: RelayAuth = { authenticate: (token) => ({ id: token }), authorize: () => 'write' };
const oneInTen: RelayAuth = {
  authenticate: (token) => ({ id: token }),
  authorize: (principal, name): Access =>
    principal.id === 'reader' && name.endsWith('0') ? 'none' : 'write',
};

function updateFor(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

async function run(_label: string, auth: RelayAuth) {
  const storage = new MemoryServerStorage();
  const update = updateFor('a record of the collection');
  await storage.append(
    Array.from({ length: RECORDS }, (_, i) => ({
      name: `notes/n${i}`,
      collection: 'notes',
      update,
      actor: 'seed',
      at: 0,
    })),
  );
  const relay = await createRelay({ port: 0, storage, auth, logger: silentLogger });
  const subscribe = { type: 'subscribe', id: 1, documents: [] } as const;
  const collections = [{ collection: 'notes', cursor: '', updatedSince: 0 }];

  const cold = await connect(relay.url, 'reader');
  const started = performance.now();
  const coldCpu = process.cpuUsage();
  const synced = cold.until((m) => m.type === 'sync' && m.done);
  cold.send({ ...subscribe, collections });
  await synced;
  const coldMs = performance.now() - started;
  const coldCpuMs = cpuMs(coldCpu);

  const followers = await Promise.all(Array.from({ length: FOLLOWERS }, () => connect(relay.url, 'reader')));
  await Promise.all(
    followers.map((follower) => {
      const done = follower.until((m) => m.type === 'sync' && m.done);
      follower.send({ ...subscribe, collections });
      return done;
    }),
  );
  let received = 0;
  const lastName = `notes/live${LIVE_UPDATES - 1}`;
  const allArrived = Promise.all(
    followers.map((follower) =>
      follower.until((m) => {
        if (m.type !== 'updates') return false;
        received += m.items.length;
        return m.items.some((item) => item.name === lastName);
      }),
    ),
  );
  const writer = await connect(relay.url, 'writer');
  const fanoutStarted = performance.now();
  const fanoutCpu = process.cpuUsage();
  for (let i = 0; i < LIVE_UPDATES; i += 100) {
    const items = Array.from({ length: 100 }, (_, j) => ({ name: `notes/live${i + j}`, update }));
    writer.send({ type: 'push', id: i + 1, items });
  }
  await allArrived;
  const fanoutSeconds = (performance.now() - fanoutStarted) / 1000;
  const fanoutCpuMs = cpuMs(fanoutCpu);
  for (const client of [cold, writer, ...followers]) client.socket.close();
  await relay.close();
  return {
    coldMs,
    coldCpuMs,
    coldBytes: cold.bytes(),
    perSecond: received / fanoutSeconds,
    perCpuSecond: received / (fanoutCpuMs / 1000),
  };
}

/** CPU time (user and system) this process used since `start`: steadier than wall time on a busy machine. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ROUNDS = 5;
const results = new Map<string, Awaited<ReturnType<typeof run>>[]>();
await run('warm-up', everything);
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, auth] of [
    ['authorize allows all', everything],
    ['authorize denies 1 in 10', oneInTen],
  ] as const) {
    results.set(label, [...(results.get(label) ?? []), await run(label, auth)]);
  }
}
for (const [label, runs] of results) {
  console.log(
    `${label}: cold sync of ${RECORDS} records ${median(runs.map((r) => r.coldMs)).toFixed(0)} ms ` +
      `(${median(runs.map((r) => r.coldCpuMs)).toFixed(0)} ms CPU), ${median(runs.map((r) => r.coldBytes))} bytes; ` +
      `fan-out to ${FOLLOWERS} followers ${median(runs.map((r) => r.perSecond)).toFixed(0)} deliveries/s, ` +
      `${median(runs.map((r) => r.perCpuSecond)).toFixed(0)} per CPU second (median of ${ROUNDS})`,
  );
}
