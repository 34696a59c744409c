/**
 * How a well-behaved client fares while others attack the relay. For each attack, in one run and against
 * one relay process: a bystander's round trips with the relay quiet, then while the attack runs, then
 * after it; and the relay's peak memory. Two round trips are timed: a ping (how soon the relay answers at
 * all) and a save (a push until its acknowledgement, so the commit is included). A program, not a test: it
 * prints figures and asserts nothing about time.
 *
 *   npm run build && node --import tsx bench/attacks/bystanderLatency.ts
 *     [--server=<a build of @ferry/server: its dist/index.js>] [--samples=200] [--attacks=slow-readers,streams]
 *
 * Attacks (each runs about 30 s; attackers that notice they were closed come back at once):
 * - slow-readers: 40 /sync clients follow a collection and never read. A writer adds 60 KB records to that
 *   collection, 50 a second.
 * - streams: 300 change streams (SSE) from 10 addresses that never read. A writer adds 1,000 small records
 *   a second, 100 per push.
 */
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { sleep } from '../lib/pacing.js';
import { peakRssKiB } from '../lib/processStats.js';
import { startServerProcess } from '../lib/serverProcess.js';
import { type Summary, summarize } from '../lib/stats.js';
import { WireClient } from './wireClient.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    samples: { type: 'string', default: '200' },
    attacks: { type: 'string', default: 'slow-readers,streams' },
  },
});
const samples = Number(values.samples);
const relayScript = fileURLToPath(new URL('./relay.ts', import.meta.url));

interface Attack {
  readonly description: string;
  /** Stops attacking; resolves with how the attackers saw their connections end (why → count). */
  stop(): Promise<Map<string, number>>;
}

interface Attacker {
  /** Resolves with why the connection ended, as the attacker saw it. */
  readonly closed: Promise<string>;
  close(): void;
}

const attacks: Record<string, (wsUrl: string, port: number) => Promise<Attack>> = {
  'slow-readers': slowReaders,
  streams: changeStreams,
};

let ids = 1000;
const nextId = () => ++ids;

async function main(): Promise<void> {
  for (const name of values.attacks.split(',')) {
    const start = attacks[name];
    if (!start) throw new Error(`No attack "${name}"; there are ${Object.keys(attacks).join(', ')}.`);
    const relay = await startServerProcess({
      name: 'relay',
      args: ['--import', 'tsx', relayScript, values.server ?? ''],
      listeningUrl: (output) => /"listening":"http(:\/\/[^"]+)"/.exec(output)?.[1],
    });
    const httpUrl = `http${relay.url}`;
    const wsUrl = `ws${relay.url}`;
    try {
      const bystander = await WireClient.connect(wsUrl);
      const quiet = await roundTrips(bystander);
      const attack = await start(wsUrl, Number(new URL(httpUrl).port));
      const loud = await roundTrips(bystander);
      const peak = peakRssKiB(relay.pid);
      const counted = await relayCounts(httpUrl);
      const closes = await attack.stop();
      const after = await roundTrips(bystander);
      console.log(`${name}: ${attack.description}`);
      console.log(`  server: ${values.server ?? 'this checkout (packages/server/dist)'}`);
      for (const kind of ['ping', 'save'] as const) {
        console.log(
          `  bystander ${kind}, median (p99) of ${samples}: quiet ${ms(quiet[kind])}, under attack ` +
            `${ms(loud[kind])}, after ${ms(after[kind])}; under attack / quiet: ` +
            `${(loud[kind].p50 / quiet[kind].p50).toFixed(2)}`,
        );
      }
      console.log(
        `  bystander still connected: ${bystander.closedWith === undefined ? 'yes' : `no (${bystander.closedWith})`}`,
      );
      console.log(`  relay peak RSS: ${Math.round(peak / 1024)} MiB`);
      console.log(`  relay's counts under attack: ${counted}`);
      console.log(`  attackers' connections ended, as they saw it: ${describe(closes)}`);
      bystander.close();
    } catch (error) {
      console.log(`${name}: the run failed: ${(error as Error).message}`);
    } finally {
      await relay.stop();
    }
  }
}

/** A bystander's round trips, one after another: pings, then saves of its own record. */
async function roundTrips(client: WireClient): Promise<{ ping: Summary; save: Summary }> {
  const pings: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await client.ping(nextId());
    pings.push(performance.now() - start);
  }
  const doc = new Y.Doc();
  const fields = doc.getMap('fields');
  const saves: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = Y.encodeStateVector(doc);
    fields.set('title', `calm ${i} ${Date.now()}`);
    const update = Y.encodeStateAsUpdate(doc, before);
    const start = performance.now();
    await client.push(nextId(), 'calm/bystander', update);
    saves.push(performance.now() - start);
  }
  return { ping: summarize(pings), save: summarize(saves) };
}

function recordUpdate(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

/** Keeps `count` attackers going: each one that notices its connection ended is replaced at once. */
function swarm(count: number, open: (i: number) => Promise<Attacker>) {
  const closes = new Map<string, number>();
  const live = new Set<Attacker>();
  let running = true;
  const count1 = (why: string) => closes.set(why, (closes.get(why) ?? 0) + 1);
  const keepOne = async (i: number) => {
    while (running) {
      try {
        const attacker = await open(i);
        live.add(attacker);
        const why = await attacker.closed;
        live.delete(attacker);
        if (running) count1(why);
      } catch {
        if (running) count1('refused');
        await sleep(50);
      }
    }
  };
  const all = Promise.all(Array.from({ length: count }, (_, i) => keepOne(i)));
  return {
    stop: async () => {
      running = false;
      for (const attacker of live) attacker.close();
      await all;
      return closes;
    },
  };
}

/** A client that pushes `items(i)` at `perSecond` until stopped, without waiting for acknowledgements. */
async function writer(
  wsUrl: string,
  perSecond: number,
  items: (i: number) => { name: string; update: Uint8Array }[],
) {
  const client = await WireClient.connect(wsUrl);
  let running = true;
  let sent = 0;
  const start = performance.now();
  const loop = (async () => {
    while (running) {
      client.send({ type: 'push', id: nextId(), items: items(sent++) });
      await sleep(Math.max(0, start + (sent * 1000) / perSecond - performance.now()));
    }
  })();
  return {
    /** Resolves once `seconds` of writing have passed. */
    after: (seconds: number) => sleep(Math.max(0, start + seconds * 1000 - performance.now())),
    stop: async () => {
      running = false;
      await loop;
      client.close();
    },
  };
}

async function slowReaders(wsUrl: string): Promise<Attack> {
  const readers = swarm(40, async () => {
    const reader = await WireClient.connect(wsUrl);
    // From now on only: a returning reader does not download the whole collection again.
    await reader.follow('feed', Date.now());
    reader.stopReading();
    return { closed: reader.closed.then(String), close: () => reader.close() };
  });
  const big = 'x'.repeat(60_000);
  const feed = await writer(wsUrl, 50, (i) => [{ name: `feed/r${i}`, update: recordUpdate(big + i) }]);
  // Long enough for every reader to reach the per-connection limit (64 MiB) before the bystander is timed.
  await feed.after(25);
  return {
    description: '40 /sync readers that never read, a writer of 60 KB records at 50/s into what they follow',
    stop: async () => {
      await feed.stop();
      return readers.stop();
    },
  };
}

async function changeStreams(wsUrl: string, port: number): Promise<Attack> {
  const streams = swarm(300, async (i) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % 10)}` });
    socket.on('error', () => {});
    socket.write(
      `GET /api/collections/feed/changes HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        'Accept: text/event-stream\r\n\r\n',
    );
    socket.pause();
    // Line breaks between requests are ignored by HTTP; writing them shows when the relay has hung up.
    const poke = setInterval(() => socket.write('\r\n'), 500);
    const closed = new Promise<string>((resolve) =>
      socket.once('close', () => {
        clearInterval(poke);
        resolve('stream ended');
      }),
    );
    return { closed, close: () => socket.destroy() };
  });
  const feed = await writer(wsUrl, 10, (i) =>
    Array.from({ length: 100 }, (_, j) => ({ name: `feed/s${i}x${j}`, update: recordUpdate(`s${i}`) })),
  );
  await feed.after(20);
  return {
    description: '300 change streams from 10 addresses that never read, 1,000 small records/s written',
    stop: async () => {
      await feed.stop();
      return streams.stop();
    },
  };
}

/** Open connections and errors by kind, from the relay's /metrics (served to this machine). */
async function relayCounts(httpUrl: string): Promise<string> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const lines = text.split('\n').filter((line) => /^ferry_(connections|errors_total)\{/.test(line));
  return lines.map((line) => line.replace(/^ferry_/, '')).join(', ') || 'nothing counted';
}

function ms(summary: Summary): string {
  return `${summary.p50.toFixed(1)} ms (${summary.p99.toFixed(1)})`;
}

function describe(closes: Map<string, number>): string {
  if (closes.size === 0) return 'none';
  return [...closes].map(([why, count]) => `${why} ×${count}`).join(', ');
}

await main();
