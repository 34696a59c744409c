/**
 * scale-out (Ferry only): several relay processes on one PostgreSQL and one Redis. One writer on node A,
 * readers spread over three nodes: how long a change takes to reach them all, paced. And the write
 * throughput of one node on PostgreSQL next to SQLite: records acknowledged per second for one client
 * uploading as fast as it can.
 */
import { createFerry, defineCollection, type FerryClient, MemoryStorage, silentLogger, t } from '@ferry/core';
import { PostgresStorage } from '@ferry/server';
import { NodeWebSocket } from '../../ferry/nodeWebSocket.js';
import { startRelayProcess } from '../../ferry/relayProcess.js';
import { withDeadline } from '../../lib/deadline.js';
import { paced, sleep } from '../../lib/pacing.js';
import { summarize } from '../../lib/stats.js';
import type { Workload, WorkloadResult } from '../../workload.js';

const POSTGRES = process.env.FERRY_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env.FERRY_BENCH_REDIS ?? 'redis://127.0.0.1:6379';

const counters = defineCollection('counters', { n: t.number().default(0) });
const items = defineCollection('items', { title: t.string(), n: t.number() });

const client = (url: string): Promise<FerryClient> =>
  createFerry({ storage: new MemoryStorage(), url, webSocket: NodeWebSocket, logger: silentLogger });

/** A fresh schema and channel prefix for this run, dropped afterwards. */
function isolated() {
  const name = `ferry_bench_${process.pid}_${Date.now().toString(36)}`;
  return {
    args: (redis: boolean) => [
      '--postgres',
      POSTGRES,
      '--postgres-schema',
      name,
      ...(redis ? ['--redis', REDIS, '--redis-prefix', name] : []),
    ],
    async drop() {
      const storage = new PostgresStorage({ connectionString: POSTGRES, schema: name });
      await storage.drop();
      await storage.close();
    },
  };
}

async function fanOutAcrossNodes(readers: number, updates: number, rate: number) {
  const run = isolated();
  const nodes = [];
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startRelayProcess(run.args(true)));
    const writer = await client(nodes[0]!.url);
    const written = writer.collection(counters);
    const counter = await written.create({ n: 0 }, { id: 'c' });
    await writer.whenSynced();
    const sent = new Map<number, number>();
    const latencies: number[] = [];
    let reached = 0;
    let allReached: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      allReached = resolve;
    });
    const clients: FerryClient[] = [];
    for (let r = 0; r < readers; r++) {
      const reader = await client(nodes[r % 3]!.url);
      clients.push(reader);
      const collection = reader.collection(counters, { replicate: { ids: ['c'] } });
      await reader.whenSynced();
      // Updates that arrive merged into a later one count as delivered with it.
      let seen = 0;
      collection.get('c')!.on('change', ({ record }) => {
        const n = record.get('n');
        const now = performance.now();
        for (let k = seen + 1; k <= n; k++) {
          latencies.push(now - sent.get(k)!);
          if (++reached === readers * updates) allReached();
        }
        seen = Math.max(seen, n);
      });
    }
    await paced(updates, rate, (i) => {
      sent.set(i + 1, performance.now());
      void counter.set('n', i + 1);
    });
    await withDeadline(done, 120_000, 'scale-out: every reader on every node has every update');
    for (const c of [writer, ...clients]) await c.close();
    return summarize(latencies);
  } finally {
    for (const node of nodes) await node.stop();
    await run.drop();
  }
}

async function uploadRate(records: number, postgres: boolean): Promise<number> {
  const run = isolated();
  const relay = await startRelayProcess(postgres ? run.args(false) : []);
  try {
    const writer = await client(relay.url);
    const collection = writer.collection(items);
    await writer.whenSynced();
    const start = performance.now();
    for (let i = 0; i < records; i++) void collection.create({ title: `item ${i}`, n: i }, { id: `i${i}` });
    await withDeadline(writer.whenSynced(), 300_000, 'scale-out: upload acknowledged');
    const seconds = (performance.now() - start) / 1000;
    await writer.close();
    return records / seconds;
  } finally {
    await relay.stop();
    if (postgres) await run.drop();
  }
}

export const scaleOut: Workload = {
  name: 'scale-out',
  system: 'ferry',
  description:
    'Three relay nodes on PostgreSQL and Redis: fan-out across nodes; one node on PostgreSQL against SQLite.',
  async run(size): Promise<WorkloadResult> {
    const latency = await fanOutAcrossNodes(size.fanOutReaders, size.fanOutUpdates, size.fanOutRate);
    await sleep(200);
    const onSqlite = await uploadRate(size.records, false);
    const onPostgres = await uploadRate(size.records, true);
    return {
      workload: 'scale-out',
      system: 'ferry',
      size: size.name,
      params: {
        nodes: 3,
        readers: size.fanOutReaders,
        updates: size.fanOutUpdates,
        rate: size.fanOutRate,
        uploadRecords: size.records,
      },
      metrics: {
        'across 3 nodes: delivery latency p50': { value: latency.p50, unit: 'ms' },
        'across 3 nodes: delivery latency p99': { value: latency.p99, unit: 'ms' },
        'one node on SQLite: records acknowledged per second': { value: onSqlite, unit: '/s' },
        'one node on PostgreSQL: records acknowledged per second': { value: onPostgres, unit: '/s' },
      },
      notes: [
        'scale-out: the writer is on node A, the readers spread evenly over nodes A, B and C (Redis between them); latency runs from the write to each reader seeing it.',
      ],
    };
  },
};
