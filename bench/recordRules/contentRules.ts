/**
 * What read rules by content cost on /sync, each comparison in one run:
 * - fan-out: one writer changes 100 records 2,000 times; 50 followers of the collection receive every change,
 *   with no rule, and with a rule every follower passes (`readers` includes them);
 * - cold sync: a user's 10,000 readable records out of STORED records under the rule, against syncing a
 *   collection of 10,000 records with no rule.
 * Prints; asserts nothing. Run: npx turbo run build && node --import tsx bench/recordRules/contentRules.ts [STORED]
 * (`STORED fan-out-only` runs the fan-out with the rule alone, for a profile; `fan-out-only-none` without).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@ferry/core';
import { createRelay, MemoryServerStorage, type RelayAuth, type Rules, SqliteStorage } from '@ferry/server';
import * as Y from 'yjs';
import { connect } from './countingClient.js';

const VISIBLE = 10_000;
const STORED = Number(process.argv[2] ?? 100_000);
const FOLLOWERS = 50;
const LIVE_RECORDS = 100;
const LIVE_UPDATES = 2_000;
const ROUNDS = 3;

const auth: RelayAuth = { authenticate: (token) => ({ id: token }), authorize: () => 'write' };
const rules: Rules = {
  notes: { read: (user, note) => Array.isArray(note.readers) && note.readers.includes(user.id) },
};

function recordFor(title: string, readers: string[]): Y.Doc {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  doc.getMap('fields').set('readers', readers);
  return doc;
}

const subscribeNotes = {
  type: 'subscribe',
  id: 1,
  documents: [],
  collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
} as const;

async function fanOut(withRule: boolean) {
  const storage = new MemoryServerStorage();
  const docs = Array.from({ length: LIVE_RECORDS }, (_, i) =>
    recordFor(`record ${i}`, ['writer', ...Array.from({ length: FOLLOWERS }, (_, f) => `reader${f}`)]),
  );
  await storage.append(
    docs.map((doc, i) => ({
      name: `notes/r${i}`,
      collection: 'notes',
      update: Y.encodeStateAsUpdate(doc),
      actor: 'seed',
      at: 0,
    })),
  );
  const updates: { name: string; update: Uint8Array }[] = [];
  for (let n = 0; n < LIVE_UPDATES; n++) {
    const i = n % LIVE_RECORDS;
    const doc = docs[i]!;
    doc.once('update', (update: Uint8Array) => updates.push({ name: `notes/r${i}`, update }));
    doc.getMap('fields').set('title', `change ${n}`);
  }
  const relay = await createRelay({
    port: 0,
    storage,
    auth,
    rules: withRule ? rules : undefined,
    logger: silentLogger,
  });
  const followers = await Promise.all(
    Array.from({ length: FOLLOWERS }, (_, f) => connect(relay.url, `reader${f}`)),
  );
  await Promise.all(
    followers.map((follower) => {
      const done = follower.until((m) => m.type === 'sync' && m.done);
      follower.send(subscribeNotes);
      return done;
    }),
  );
  let received = 0;
  const allArrived = Promise.all(
    followers.map((follower) => {
      let mine = 0;
      return follower.until((m) => {
        if (m.type !== 'updates') return false;
        received += m.items.length;
        mine += m.items.length;
        return mine >= LIVE_UPDATES;
      });
    }),
  );
  const writer = await connect(relay.url, 'writer');
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < LIVE_UPDATES; i += 100)
    writer.send({ type: 'push', id: i + 1, items: updates.slice(i, i + 100) });
  await allArrived;
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuMs(cpu) / 1000;
  for (const client of [writer, ...followers]) client.socket.close();
  await relay.close();
  return { perSecond: received / seconds, perCpuSecond: received / cpuSeconds };
}

async function coldSync(stored: number, withRule: boolean) {
  // The embedded default store: the memory store scans every entry to load one record.
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-rules-'));
  const storage = new SqliteStorage({ path: dir, synchronous: 'normal' });
  // One record in every stored/VISIBLE is the user's; the others are someone else's.
  const every = Math.max(1, Math.floor(stored / VISIBLE));
  const mine = Y.encodeStateAsUpdate(recordFor('a record of the user', ['user']));
  const theirs = Y.encodeStateAsUpdate(recordFor('a record of someone', ['someone']));
  for (let start = 0; start < stored; start += 10_000) {
    await storage.append(
      Array.from({ length: Math.min(10_000, stored - start) }, (_, j) => ({
        name: `notes/n${start + j}`,
        collection: 'notes',
        update: (start + j) % every === 0 ? mine : theirs,
        actor: 'seed',
        at: 0,
      })),
    );
  }
  const relay = await createRelay({
    port: 0,
    storage,
    auth,
    rules: withRule ? rules : undefined,
    logger: silentLogger,
  });
  const client = await connect(relay.url, 'user');
  const started = performance.now();
  const cpu = process.cpuUsage();
  const synced = client.until((m) => m.type === 'sync' && m.done);
  client.send(subscribeNotes);
  await synced;
  const ms = performance.now() - started;
  const result = { ms, cpuMs: cpuMs(cpu), bytes: client.bytes() };
  client.socket.close();
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** CPU time (user and system) this process used since `start`: steadier than wall time on a busy machine. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rounds = async <T>(run: () => Promise<T>): Promise<T[]> => {
  const results: T[] = [];
  for (let round = 0; round < ROUNDS; round++) results.push(await run());
  return results;
};

if (process.argv[3]?.startsWith('fan-out-only')) {
  // For a profile: the fan-out alone, a few times, with the rule (or without: fan-out-only-none).
  for (let round = 0; round < 5; round++) await fanOut(process.argv[3] !== 'fan-out-only-none');
  process.exit(0);
}
await fanOut(false);
const fanOutRuns = {
  none: [] as Awaited<ReturnType<typeof fanOut>>[],
  rule: [] as Awaited<ReturnType<typeof fanOut>>[],
};
for (let round = 0; round < ROUNDS; round++) {
  fanOutRuns.none.push(await fanOut(false));
  fanOutRuns.rule.push(await fanOut(true));
}
for (const [label, runs] of Object.entries(fanOutRuns)) {
  console.log(
    `fan-out, ${label === 'rule' ? 'a read rule on every follower' : 'no rule'}: ${FOLLOWERS} followers, ` +
      `${LIVE_UPDATES} changes: ${median(runs.map((r) => r.perSecond)).toFixed(0)} deliveries/s, ` +
      `${median(runs.map((r) => r.perCpuSecond)).toFixed(0)} per CPU second (median of ${ROUNDS})`,
  );
}
for (const [label, stored, withRule] of [
  [`a collection of ${VISIBLE} records, no rule`, VISIBLE, false],
  [`${VISIBLE} readable of ${VISIBLE} stored, read rule`, VISIBLE, true],
  [`${VISIBLE} readable of ${STORED} stored, read rule`, STORED, true],
] as const) {
  const runs = await rounds(() => coldSync(stored, withRule));
  console.log(
    `cold sync, ${label}: ${median(runs.map((r) => r.ms)).toFixed(0)} ms ` +
      `(${median(runs.map((r) => r.cpuMs)).toFixed(0)} ms CPU), ${median(runs.map((r) => r.bytes))} bytes ` +
      `(median of ${ROUNDS})`,
  );
}
