/**
 * kill -9 of a real relay process under write load, again and again, checking each time that the store
 * holds every write the relay acknowledged before it died.
 *
 * Writers (Ferry clients in this process, each keeping its state across the relay's deaths) set a counter
 * field that only grows on records of their own, and note the value of each write once `whenSaved()`
 * resolves. At a random moment the relay is killed with SIGKILL; the writers are taken offline (so nothing
 * they hold can heal the store before it is read), the relay is started again on the same data folder, and
 * every record is read back over REST: a counter below the highest value acknowledged is a lost write.
 */
import {
  createFerry,
  defineCollection,
  type FerryClient,
  MemoryStorage,
  t,
  type WebSocketClass,
} from '@ferry/core';
import { seededRandom } from '@ferry/core/testing';
import { WebSocket } from 'ws';
import { type RelayProcess, startRelayProcess } from '../relayProcess.js';

const counters = defineCollection('counters', { n: t.number() });

export interface KillCyclesOptions {
  readonly cycles: number;
  readonly seed: number;
  /** The relay's data folder, kept across its deaths. */
  readonly dataDir: string;
  readonly writers?: number;
  readonly recordsPerWriter?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface KillCyclesResult {
  readonly cycles: number;
  readonly writes: number;
  /** Writes whose `whenSaved()` resolved before the kill that followed them. */
  readonly acknowledged: number;
  /** `record: stored n < acknowledged n`, for every record found short after a restart. */
  readonly lost: readonly string[];
  readonly seconds: number;
}

export async function runKillCycles(options: KillCyclesOptions): Promise<KillCyclesResult> {
  const { cycles, dataDir, writers: writerCount = 4, recordsPerWriter = 5, log = () => {} } = options;
  const random = seededRandom(options.seed);
  const started = performance.now();
  let relay = await startRelayProcess(dataDir).listening;
  const port = new URL(relay.httpUrl).port;
  const restart = () => startRelayProcess(dataDir, ['--port', port]).listening;

  const writers = await Promise.all(
    Array.from({ length: writerCount }, () =>
      createFerry({
        storage: new MemoryStorage(),
        url: relay.url,
        webSocket: WebSocket as unknown as WebSocketClass,
        sync: { backoff: { min: 10, max: 100 } },
      }),
    ),
  );
  const acknowledged = new Map<string, number>();
  const counts = { writes: 0, acknowledged: 0 };
  let running = true;
  const loops = writers.map((client, w) =>
    write(client, w, recordsPerWriter, random.int(0, 2 ** 31), () => running, counts, acknowledged),
  );

  const lost: string[] = [];
  try {
    for (let cycle = 1; cycle <= cycles && lost.length === 0; cycle++) {
      await Promise.all(writers.map((client) => client.whenSynced()));
      await delay(random.int(20, 400));
      relay.child.kill('SIGKILL');
      await relay.exited;
      for (const client of writers) client.sync!.disconnect();
      const expected = new Map(acknowledged);
      relay = await restart();
      lost.push(...(await shortRecords(relay, expected)));
      for (const client of writers) client.sync!.connect();
      if (cycle % 50 === 0 || cycle === cycles)
        log(
          `cycle ${cycle}: ${counts.writes} writes, ${counts.acknowledged} acknowledged, ${lost.length} lost, ${Math.round((performance.now() - started) / 1000)} s`,
        );
    }
  } finally {
    running = false;
    await Promise.all(writers.map((client) => client.whenSynced()));
    await Promise.all(loops);
    await Promise.all(writers.map((client) => client.close()));
    relay.child.kill('SIGTERM');
    await relay.exited;
  }
  return {
    cycles,
    writes: counts.writes,
    acknowledged: counts.acknowledged,
    lost,
    seconds: (performance.now() - started) / 1000,
  };
}

/** One writer's loop: counters that only grow, on its own records, a few writes ahead of the relay at most. */
async function write(
  client: FerryClient,
  writer: number,
  records: number,
  seed: number,
  running: () => boolean,
  counts: { writes: number; acknowledged: number },
  acknowledged: Map<string, number>,
): Promise<void> {
  const random = seededRandom(seed);
  const collection = client.collection(counters);
  for (let n = 1; running(); n++) {
    const id = `w${writer}-${random.int(0, records - 1)}`;
    const existing = collection.get(id);
    const record = existing ?? (await collection.create({ n }, { id }));
    if (existing) await record.set('n', n);
    counts.writes++;
    void record.whenSaved().then(() => {
      counts.acknowledged++;
      if ((acknowledged.get(id) ?? 0) < n) acknowledged.set(id, n);
    });
    // Writes go on while the relay is away; every 20 they wait for it, so the outbox stays small.
    if (n % 20 === 0) await client.whenSynced();
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Records whose stored counter is below the highest value acknowledged for them. */
async function shortRecords(relay: RelayProcess, expected: ReadonlyMap<string, number>): Promise<string[]> {
  const stored = new Map<string, number>();
  let since = '';
  for (let more = true; more; ) {
    const response = await fetch(
      `${relay.httpUrl}/api/collections/counters/records?limit=1000&since=${since}`,
    );
    if (!response.ok) throw new Error(`list answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as {
      records: { id: string; fields: { n: number } }[];
      cursor: string;
      more: boolean;
    };
    for (const record of page.records) stored.set(record.id, record.fields.n);
    since = encodeURIComponent(page.cursor);
    more = page.more;
  }
  return [...expected]
    .filter(([id, n]) => (stored.get(id) ?? 0) < n)
    .map(([id, n]) => `${id}: stored ${stored.get(id) ?? 'nothing'} < acknowledged ${n}`);
}

/** The pause before a kill: how long writes run, drawn from the seed (load, not synchronisation). */
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
