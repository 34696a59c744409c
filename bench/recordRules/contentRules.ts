/**
 * What read rules by content cost on /sync, each comparison in one run:
 * - fan-out: one writer changes 100 records 2,000 times; 50 followers of the collection receive every change,
 *   with no rule, and with a rule every follower passes (`readers` includes them), written as a function and
 *   given as `{ field: 'readers' }` (indexed);
 * - cold sync: a user's 10,000 readable records out of STORED records under the rule, as a function and
 *   indexed, against syncing a collection of 10,000 records with no rule; and how long the first relay to
 *   open the STORED records with the indexed rule takes to build its index.
 * Prints; asserts nothing. Run: npx turbo run build && node --import tsx bench/recordRules/contentRules.ts [STORED]
 * (`STORED indexed-only` leaves out the cold sync of STORED under the rule as a function, which reads every
 * record, `cold-sync-only` the fan-out, `indexed-at-commit` stores the STORED records with their readers, as
 * a relay under the indexed rule commits them, instead of building the index on open; `STORED fan-out-only` runs the fan-out with the rule as a function alone, for a profile;
 * `fan-out-only-indexed` with the indexed rule, `fan-out-only-none` without).
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
/** The read rule as a function: the relay asks it of every record it decides. */
const asFunction: Rules = {
  notes: { read: (user, note) => Array.isArray(note.readers) && note.readers.includes(user.id) },
};
/** The same rule, given as the field it reads: the relay indexes it. */
const indexed: Rules = { notes: { read: { field: 'readers' } } };

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

async function fanOut(ruleSet: Rules | undefined) {
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
    rules: ruleSet,
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

/** A SQLite store (the embedded default) holding `stored` notes, one in every stored/VISIBLE the user's. */
async function seeded(stored: number, indexedAtCommit = false): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-rules-'));
  const storage = new SqliteStorage({ path: dir, synchronous: 'normal' });
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
        // As a relay under the indexed rule commits them.
        readers: indexedAtCommit ? [(start + j) % every === 0 ? 'user' : 'someone'] : undefined,
      })),
    );
  }
  await storage.close();
  return dir;
}

/** A relay on the store in `dir`, and how long it took to open (an indexed rule builds its index then). */
async function open(dir: string, ruleSet: Rules | undefined) {
  const started = performance.now();
  const relay = await createRelay({
    port: 0,
    storage: new SqliteStorage({ path: dir, synchronous: 'normal' }),
    auth,
    rules: ruleSet,
    // A rule written as a function decides every stored record: let it, to measure what that costs.
    limits: { maxRecordsDecidedPerSync: Math.max(STORED, VISIBLE) },
    logger: silentLogger,
  });
  return { relay, openMs: performance.now() - started };
}

async function coldSync(dir: string, ruleSet: Rules | undefined) {
  const { relay } = await open(dir, ruleSet);
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
  // For a profile: the fan-out alone, a few times, with a rule (fan-out-only: as a function,
  // fan-out-only-indexed: indexed) or without (fan-out-only-none).
  const only = {
    'fan-out-only': asFunction,
    'fan-out-only-indexed': indexed,
    'fan-out-only-none': undefined,
  };
  for (let round = 0; round < 5; round++) await fanOut(only[process.argv[3] as keyof typeof only]);
  process.exit(0);
}
const fanOuts = [
  ['no rule', undefined],
  ['a read rule on every follower, as a function', asFunction],
  ['a read rule on every follower, indexed', indexed],
] as const;
const coldSyncOnly = process.argv.includes('cold-sync-only');
if (!coldSyncOnly) await fanOut(undefined);
const fanOutRuns = fanOuts.map(() => [] as Awaited<ReturnType<typeof fanOut>>[]);
for (let round = 0; round < (coldSyncOnly ? 0 : ROUNDS); round++)
  for (const [i, [, ruleSet]] of fanOuts.entries()) fanOutRuns[i]!.push(await fanOut(ruleSet));
for (const [i, [label]] of coldSyncOnly ? [] : fanOuts.entries()) {
  const runs = fanOutRuns[i]!;
  console.log(
    `fan-out, ${label}: ${FOLLOWERS} followers, ${LIVE_UPDATES} changes: ` +
      `${median(runs.map((r) => r.perSecond)).toFixed(0)} deliveries/s, ` +
      `${median(runs.map((r) => r.perCpuSecond)).toFixed(0)} per CPU second (median of ${ROUNDS})`,
  );
}

async function printColdSync(label: string, dir: string, ruleSet: Rules | undefined) {
  const runs = await rounds(() => coldSync(dir, ruleSet));
  console.log(
    `cold sync, ${label}: ${median(runs.map((r) => r.ms)).toFixed(0)} ms ` +
      `(${median(runs.map((r) => r.cpuMs)).toFixed(0)} ms CPU), ${median(runs.map((r) => r.bytes))} bytes ` +
      `(median of ${ROUNDS})`,
  );
}

const visibleOnly = await seeded(VISIBLE);
await printColdSync(`a collection of ${VISIBLE} records, no rule`, visibleOnly, undefined);
await printColdSync(
  `${VISIBLE} readable of ${VISIBLE} stored, read rule as a function`,
  visibleOnly,
  asFunction,
);
await printColdSync(`${VISIBLE} readable of ${VISIBLE} stored, indexed read rule`, visibleOnly, indexed);
rmSync(visibleOnly, { recursive: true, force: true });

// Stored before the rule was indexed: the first relay to open the store with it builds the index. With
// `indexed-at-commit`, stored as a relay under the indexed rule commits them, with their readers.
const indexedAtCommit = process.argv.includes('indexed-at-commit');
const many = await seeded(STORED, indexedAtCommit);
if (!process.argv.includes('indexed-only'))
  await printColdSync(`${VISIBLE} readable of ${STORED} stored, read rule as a function`, many, asFunction);
if (!indexedAtCommit) {
  const first = await open(many, indexed);
  await first.relay.close();
  console.log(
    `indexed read rule: a relay opening ${STORED} stored records without the index: ${first.openMs.toFixed(0)} ms`,
  );
}
await printColdSync(`${VISIBLE} readable of ${STORED} stored, indexed read rule`, many, indexed);
rmSync(many, { recursive: true, force: true });
