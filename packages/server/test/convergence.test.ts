/**
 * Seeded random convergence under faults: several clients edit every field kind, go offline, restart from
 * their local store, over links that drop, repeat, reorder and delay messages and get cut, while the relay
 * is restarted or killed with SIGKILL (and, with several nodes on PostgreSQL and Redis, nodes are killed and
 * Redis restarts). Afterwards every replica and the relay's stored state must be identical, every edit that
 * reached `saved` must be present, and nothing may be pending.
 *
 * Prints its seed; FERRY_SEED=<seed> replays a run, FERRY_FUZZ_SECONDS=<n> runs longer.
 */
import {
  createFerry,
  defineCollection,
  type FerryClient,
  MemoryStorage,
  t,
  webSocketTransport,
} from '@ferry/core';
import {
  type FaultRates,
  faultyTransport,
  type Random,
  seededRandom,
  seedFromEnv,
} from '@ferry/core/testing';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { freePort, startCluster, startRedis } from './cluster.js';
import { NodeWebSocket, onCleanup, tempDir, untilAll } from './helpers.js';
import { type RelayProcess, spawnRelay } from './process.js';

const records = defineCollection('records', {
  title: t.string().default(''),
  body: t.text().default(''),
  count: t.number().default(0),
  flag: t.boolean().default(false),
  when: t.date().optional(),
  kind: t.enum(['a', 'b', 'c']).default('a'),
  log: t.list(t.string()).default([]),
  place: t.object({ city: t.string(), zip: t.string().optional() }).optional(),
});

const FAULTS: FaultRates = { drop: 0.01, duplicate: 0.01, reorder: 0.01, delay: 0.03, cut: 0.003 };
const seconds = Number(process.env.FERRY_FUZZ_SECONDS ?? 12);
/** A step of the run (one operation, a fault, a wait) that lasts this long is reported as it goes on. */
const STALL_REPORT_MS = 20_000;

/** Where clients connect, and the faults that can strike the relay side. */
interface Deployment {
  urls: string[];
  faults: { name: string; strike(random: Random): Promise<void> }[];
}

/** One relay process on SQLite: restarted gracefully or killed. */
async function singleRelay(): Promise<Deployment> {
  const data = tempDir();
  const port = await freePort();
  let relay: RelayProcess = await spawnRelay(data, ['--port', String(port)]);
  const restart = (signal: NodeJS.Signals) => async () => {
    relay.child.kill(signal);
    await relay.exited;
    relay = await spawnRelay(data, ['--port', String(port)]);
  };
  return {
    urls: [`ws://127.0.0.1:${port}`],
    faults: [
      { name: 'relayRestarts', strike: restart('SIGTERM') },
      { name: 'relayKills', strike: restart('SIGKILL') },
    ],
  };
}

/** Three relay processes on PostgreSQL and Redis: nodes killed and brought back, Redis restarted. */
async function threeNodes(): Promise<Deployment> {
  const cluster = await startCluster(3);
  const urls = cluster.relays.map((r) => r.url);
  let redis = cluster.redis;
  return {
    urls,
    faults: [
      {
        name: 'nodeKills',
        async strike(random) {
          const index = random.int(0, cluster.relays.length - 1);
          const node = cluster.relays[index]!;
          node.child.kill('SIGKILL');
          await node.exited;
          cluster.relays[index] = await cluster.start(Number(new URL(urls[index]!).port));
        },
      },
      {
        name: 'redisRestarts',
        async strike() {
          await redis.stop();
          redis = await startRedis(redis.port);
        },
      },
    ],
  };
}

interface Peer {
  storage: MemoryStorage;
  client: FerryClient;
  faults: ReturnType<typeof faultyTransport>;
}

/** Everything a replica holds of the records, in an order that does not depend on how it got there. */
function snapshot(client: FerryClient): string {
  const collection = client.collection(records);
  const names = [...client.documents.names()].filter((n) => n.startsWith('records/')).sort();
  return stableJson(
    names.map((name) => {
      const doc = client.documents.get(name)!;
      const { sv, ds } = Y.decodeSnapshot(Y.encodeSnapshot(Y.snapshot(doc)));
      return {
        name,
        value: collection.get(name.slice('records/'.length))?.value ?? null,
        meta: doc.getMap('meta').toJSON(),
        sv: [...sv].sort(),
        ds: [...ds.clients].map(([client, ranges]) => [client, ranges.map((r) => [r.clock, r.len])]).sort(),
      };
    }),
  );
}

/** The records two replicas hold differently, as each holds them. */
function difference(a: FerryClient, b: FerryClient): string {
  const left = JSON.parse(snapshot(a)) as { name: string }[];
  const right = JSON.parse(snapshot(b)) as { name: string }[];
  const names = new Set([...left, ...right].map((r) => r.name));
  const differing = [...names].filter(
    (name) =>
      JSON.stringify(left.find((r) => r.name === name)) !==
      JSON.stringify(right.find((r) => r.name === name)),
  );
  return differing
    .map(
      (name) =>
        `${JSON.stringify(left.find((r) => r.name === name))} vs ${JSON.stringify(right.find((r) => r.name === name))}`,
    )
    .join('; ');
}

/** JSON with object keys sorted: maps list their keys in the order each replica happened to insert them. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

async function runScenario(name: string, deployment: Deployment): Promise<void> {
  const seed = seedFromEnv();
  const random = seededRandom(seed);
  const replay = `FERRY_SEED=${seed} npx vitest run --project server test/convergence.test.ts -t "${name}"`;
  console.log(`convergence (${name}) seed ${seed}; replay with: ${replay}`);
  const stats: Record<string, number> = { operations: 0, offline: 0, clientRestarts: 0 };
  for (const fault of deployment.faults) stats[fault.name] = 0;

  const open = async (storage: MemoryStorage): Promise<Peer> => {
    const faults = faultyTransport(webSocketTransport(NodeWebSocket), random, FAULTS);
    const client = await createFerry({
      storage,
      url: deployment.urls,
      transport: faults.transport,
      sync: {
        backoff: { min: 5, max: 100 },
        heartbeatMs: 100,
        heartbeatTimeoutMs: 400,
        requestTimeoutMs: 1000,
      },
    });
    client.collection(records);
    return { storage, client, faults };
  };
  const peers = await Promise.all([0, 1, 2, 3, 4].map(() => open(new MemoryStorage())));
  onCleanup(() => Promise.all(peers.map((p) => p.client.close())).then(() => {}));
  /** Link faults of the clients that were restarted, counted with the live ones at the end. */
  const retired: ReturnType<typeof faultyTransport>['counts'][] = [];
  /** Tokens appended to a record's log whose change reached `saved`, with the record they went to. */
  const saved = new Map<string, string>();
  let tokens = 0;

  const edit = async (peer: Peer) => {
    const collection = peer.client.collection(records);
    const ids = collection.list().map((r) => r.id);
    if (ids.length === 0 || random.chance(0.1)) {
      const id = `r${random.int(0, 30)}`;
      // Another replica may have created the same id; create is refused only when this one knows it.
      if (collection.get(id)) return;
      try {
        await collection.create({ title: `r${random.int(0, 999)}` }, { id });
      } catch {
        await collection.restore(id);
      }
      return;
    }
    const id = random.pick(ids);
    const record = collection.get(id)!;
    switch (random.int(0, 9)) {
      case 0: {
        const token = `t${tokens++}`;
        record.list('log').push([token]);
        void record.whenSaved().then(() => saved.set(token, id));
        return;
      }
      case 1: {
        const text = record.text('body');
        if (text.length > 0 && random.chance(0.3)) text.delete(random.int(0, text.length - 1), 1);
        else text.insert(random.int(0, text.length), random.pick(['a', 'b', 'c', ' ', 'é', '😀']));
        return;
      }
      case 2:
        return record.set('title', `title ${random.int(0, 99)}`);
      case 3:
        return record.set('count', random.int(-5, 5));
      case 4:
        return record.set('flag', random.chance(0.5));
      case 5:
        return record.set('when', random.chance(0.2) ? undefined : new Date(random.int(0, 10) * 86_400_000));
      case 6:
        return record.set('kind', random.pick(['a', 'b', 'c'] as const));
      case 7:
        return record.set('place', {
          city: random.pick(['Oslo', 'Lima']),
          zip: random.chance(0.5) ? '1' : undefined,
        });
      case 8:
        return record.delete();
      default:
        return collection.restore(random.pick(ids));
    }
  };

  // A run that stalls says where it stands: the phase, how many replicas agree, what each client reports.
  let phase = 'editing';
  let phaseSince = Date.now();
  const enter = (next: string) => {
    phase = next;
    phaseSince = Date.now();
  };
  const watchdog = setInterval(() => {
    if (Date.now() - phaseSince < STALL_REPORT_MS) return;
    const states = peers.map((p) => JSON.stringify(p.client.sync!.status));
    const agreeing = peers.filter((p) => snapshot(p.client) === snapshot(peers[0]!.client)).length;
    const odd = peers.findIndex((p) => snapshot(p.client) !== snapshot(peers[0]!.client));
    if (odd > 0)
      console.log(
        `convergence (${name}): replica ${odd} differs: ${difference(peers[0]!.client, peers[odd]!.client)}`,
      );
    console.log(
      `convergence (${name}) seed ${seed}: ${phase} for ${Math.round((Date.now() - phaseSince) / 1000)} s; ${agreeing}/${peers.length} replicas agree with the first; clients: ${states.join(' ')}`,
    );
  }, STALL_REPORT_MS);
  onCleanup(() => clearInterval(watchdog));

  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    enter('editing');
    stats.operations!++;
    const roll = random.next();
    const index = random.int(0, peers.length - 1);
    const peer = peers[index]!;
    if (roll < 0.86) {
      await edit(peer);
    } else if (roll < 0.95) {
      if (peer.client.sync!.status.connection === 'offline' && random.chance(0.7))
        peer.client.sync!.connect();
      else {
        stats.offline!++;
        peer.client.sync!.disconnect();
      }
    } else if (roll < 0.995) {
      stats.clientRestarts!++;
      retired.push(peer.faults.counts);
      await peer.client.close();
      peers[index] = await open(peer.storage);
    } else {
      const fault = random.pick(deployment.faults);
      stats[fault.name]!++;
      enter(`striking: ${fault.name}`);
      await fault.strike(random);
    }
    // Let messages move for a random while before the next step.
    for (let i = random.int(0, 20); i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
  }

  // Heal: every link clean, every client online, then wait until all agree.
  enter('waiting for every client to sync');
  for (const peer of peers) {
    peer.faults.setRates({});
    peer.client.sync!.connect();
  }
  await Promise.all(peers.map((p) => p.client.whenSynced()));
  enter('waiting for the replicas to agree');
  await untilAll(
    peers.map((p) => (l: () => void) => p.client.collection(records).on('change', l)),
    () => peers.every((p) => snapshot(p.client) === snapshot(peers[0]!.client)),
  );
  const fresh = await createFerry({
    storage: new MemoryStorage(),
    url: deployment.urls,
    webSocket: NodeWebSocket,
  });
  onCleanup(() => fresh.close());
  const stored = fresh.collection(records);
  enter('waiting for a fresh client to sync');
  await fresh.whenSynced();
  enter('checking');

  const message = `seed ${seed}; replay with: ${replay}`;
  expect(snapshot(fresh), message).toBe(snapshot(peers[0]!.client));
  for (const peer of peers) expect(peer.client.sync!.status.pending, message).toBe(0);
  for (const [token, id] of saved) {
    const log = fresh.documents.get(`records/${id}`)?.getArray<string>('log').toArray() ?? [];
    expect(log, `${message}: saved token ${token} missing`).toContain(token);
  }
  const faults: Record<string, number> = {};
  for (const counts of [...retired, ...peers.map((p) => p.faults.counts)]) {
    for (const [k, v] of Object.entries(counts)) faults[k] = (faults[k] ?? 0) + v;
  }
  console.log(
    `convergence (${name}) seed ${seed}: ${JSON.stringify({ ...stats, savedEdits: saved.size, records: stored.list().length, linkFaults: faults })}`,
  );
}

describe('convergence under faults', () => {
  it(`one relay on SQLite, restarted and killed (${seconds}s)`, {
    timeout: (seconds + 90) * 1000,
  }, async () => {
    await runScenario('one relay', await singleRelay());
  });

  it(`three relay nodes on PostgreSQL and Redis, nodes killed and Redis restarted (${seconds}s)`, {
    timeout: (seconds + 90) * 1000,
  }, async () => {
    await runScenario('three relay nodes', await threeNodes());
  });
});
