/**
 * Seeded random convergence under faults: several clients edit every field kind, go offline, restart from
 * their local store, while the relay is restarted gracefully or killed with SIGKILL and the links drop,
 * repeat, reorder and delay messages and get cut. At the end every replica and the relay's stored state
 * must be identical, every edit that reached `saved` must be present, and nothing may be pending.
 *
 * Prints its seed; FERRY_SEED=<seed> replays a run, FERRY_FUZZ_SECONDS=<n> runs longer.
 */
import { createServer } from 'node:net';
import {
  createFerry,
  defineCollection,
  type FerryClient,
  MemoryStorage,
  t,
  webSocketTransport,
} from '@ferry/core';
import { type FaultRates, faultyTransport, seededRandom, seedFromEnv } from '@ferry/core/testing';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** JSON with object keys sorted: maps list their keys in the order each replica happened to insert them. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

interface Peer {
  storage: MemoryStorage;
  client: FerryClient;
  faults: ReturnType<typeof faultyTransport>;
}

describe('convergence under faults', () => {
  it(`converges with no acknowledged edit lost (${seconds}s budget)`, {
    timeout: (seconds + 60) * 1000,
  }, async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const replay = `FERRY_SEED=${seed} npx vitest run --project server test/convergence.test.ts`;
    console.log(`convergence seed ${seed}; replay with: ${replay}`);

    const data = tempDir();
    const port = await freePort();
    let relay: RelayProcess | undefined = await spawnRelay(data, ['--port', String(port)]);
    const url = `ws://127.0.0.1:${port}`;
    const stats = {
      operations: 0,
      savedEdits: 0,
      offline: 0,
      clientRestarts: 0,
      relayRestarts: 0,
      relayKills: 0,
    };

    const open = async (storage: MemoryStorage): Promise<Peer> => {
      const faults = faultyTransport(webSocketTransport(NodeWebSocket), random, FAULTS);
      const client = await createFerry({
        storage,
        url,
        transport: faults.transport,
        sync: {
          backoff: { min: 5, max: 100 },
          heartbeatMs: 100,
          heartbeatTimeoutMs: 400,
          requestTimeoutMs: 1000,
        },
      });
      client.collection(records);
      onCleanup(() => client.close());
      return { storage, client, faults };
    };
    const peers = await Promise.all([0, 1, 2, 3, 4].map(() => open(new MemoryStorage())));
    const collectionOf = (peer: Peer) => peer.client.collection(records);
    /** Tokens appended to a record's log whose change reached `saved`, with the record they went to. */
    const saved = new Map<string, string>();
    let tokenCount = 0;

    const edit = async (peer: Peer) => {
      const collection = collectionOf(peer);
      const ids = collection.list().map((r) => r.id);
      if (ids.length === 0 || random.chance(0.1)) {
        const id = `r${random.int(0, 30)}`;
        // Another replica may have created the same id concurrently; here it is refused only if already known.
        if (!collection.get(id) && !collection.has(id)) {
          try {
            await collection.create({ title: `r${random.int(0, 999)}` }, { id });
          } catch {
            await collection.restore(id);
          }
        }
        return;
      }
      const id = random.pick(ids);
      const record = collection.get(id)!;
      switch (random.int(0, 9)) {
        case 0: {
          const token = `t${tokenCount++}`;
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
          await record.set('title', `title ${random.int(0, 99)}`);
          return;
        case 3:
          await record.set('count', random.int(-5, 5));
          return;
        case 4:
          await record.set('flag', random.chance(0.5));
          return;
        case 5:
          await record.set('when', random.chance(0.2) ? undefined : new Date(random.int(0, 10) * 86_400_000));
          return;
        case 6:
          await record.set('kind', random.pick(['a', 'b', 'c'] as const));
          return;
        case 7:
          await record.set('place', {
            city: random.pick(['Oslo', 'Lima']),
            zip: random.chance(0.5) ? '1' : undefined,
          });
          return;
        case 8:
          await record.delete();
          return;
        default:
          await collection.restore(random.pick(ids));
      }
    };

    const restartRelay = async (kill: boolean) => {
      if (!relay) return;
      relay.child.kill(kill ? 'SIGKILL' : 'SIGTERM');
      await relay.exited;
      relay = undefined;
      if (kill) stats.relayKills++;
      else stats.relayRestarts++;
      relay = await spawnRelay(data, ['--port', String(port)]);
    };

    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      stats.operations++;
      const roll = random.next();
      const index = random.int(0, peers.length - 1);
      const peer = peers[index]!;
      if (roll < 0.86) {
        await edit(peer);
      } else if (roll < 0.95) {
        if (peer.client.sync!.status.connection === 'offline' && random.chance(0.7))
          peer.client.sync!.connect();
        else {
          stats.offline++;
          peer.client.sync!.disconnect();
        }
      } else if (roll < 0.985) {
        stats.clientRestarts++;
        await peer.client.close();
        peers[index] = await open(peer.storage);
      } else if (roll < 0.993) {
        await restartRelay(false);
      } else {
        await restartRelay(true);
      }
      // Let messages move for a random while before the next step.
      for (let i = random.int(0, 20); i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
    }

    // Heal: every link clean, every client online, then wait until all agree.
    for (const peer of peers) {
      peer.faults.setRates({});
      peer.client.sync!.connect();
    }
    await Promise.all(peers.map((p) => p.client.whenSynced()));
    const snapshot = (client: FerryClient) => {
      const names = [...client.documents.names()].filter((n) => n.startsWith('records/')).sort();
      return stableJson(
        names.map((name) => {
          const doc = client.documents.get(name)!;
          return [
            name,
            doc.getMap('fields').toJSON(),
            doc.getMap('meta').toJSON(),
            [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(),
          ];
        }),
      );
    };
    await untilAll(
      peers.map((p) => (l: () => void) => collectionOf(p).on('change', l)),
      () => peers.every((p) => snapshot(p.client) === snapshot(peers[0]!.client)),
    );
    const fresh = await createFerry({ storage: new MemoryStorage(), url, webSocket: NodeWebSocket });
    onCleanup(() => fresh.close());
    const stored = fresh.collection(records);
    await fresh.whenSynced();

    const message = `seed ${seed}; replay with: ${replay}`;
    expect(snapshot(fresh), message).toBe(snapshot(peers[0]!.client));
    for (const peer of peers) expect(peer.client.sync!.status.pending, message).toBe(0);
    for (const [token, id] of saved) {
      const doc = fresh.documents.get(`records/${id}`);
      const log = doc?.getArray<string>('log').toArray() ?? [];
      expect(log, `${message}: saved token ${token} missing`).toContain(token);
    }
    const faults = peers.reduce(
      (sum, p) => {
        for (const [k, v] of Object.entries(p.faults.counts)) sum[k] = (sum[k] ?? 0) + v;
        return sum;
      },
      {} as Record<string, number>,
    );
    stats.savedEdits = saved.size;
    console.log(
      `convergence seed ${seed}: ${JSON.stringify({ ...stats, records: stored.list().length, faults })}`,
    );
  });
});
