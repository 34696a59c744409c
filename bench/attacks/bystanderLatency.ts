/**
 * How a well-behaved client fares while others attack the relay. For each attack, in one run and against
 * one relay process, a bystander's round trips are timed four times: with the relay quiet; busy with a
 * writer's legitimate load; under attack (the same writer, and the attackers); and after. Two round trips
 * are timed: a ping (how soon the relay answers at all) and a save (a push until its acknowledgement, so the
 * commit is included). The relay's peak memory is read from /proc. A program, not a test: it prints figures
 * and asserts nothing about time.
 *
 *   npm run build && node --import tsx bench/attacks/bystanderLatency.ts
 *     [--server=<a build of @ferry/server: its dist/index.js>] [--samples=200] [--attacks=slow-readers,streams]
 *
 * Attacks (attackers that notice their connection ended come back at once):
 * - slow-readers: a writer adds 60 KB records to a collection, 50 a second; 40 /sync clients follow that
 *   collection and never read. Timed once they have had 25 s to fill what the relay queues for them.
 * - streams: a writer adds 5,000 small records a second, 100 per push; 300 change streams (SSE) from 10
 *   addresses follow the collection and never read. Timed 20 s (100,000 records) later.
 *
 * Relays before the heartbeat fix ended every WebSocket after 30-60 s: a bystander that is disconnected
 * reconnects, takes the lost sample again, and the report lists the close codes.
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
  /** The writer's legitimate load, running through the busy and attack phases. */
  readonly writes: { perSecond: number; items(i: number): { name: string; update: Uint8Array }[] };
  /** Seconds of writing before the busy phase is timed. */
  readonly busyAfter: number;
  /** Starts the attackers; returns the swarm. */
  start(wsUrl: string, port: number): Swarm;
  /** Seconds of attack before the bystander is timed. */
  readonly timedAfter: number;
}

interface Swarm {
  /** Stops attacking; resolves with how the attackers saw their connections end (why → count). */
  stop(): Promise<Map<string, number>>;
}

interface Attacker {
  /** Resolves with why the connection ended, as the attacker saw it. */
  readonly closed: Promise<string>;
  close(): void;
}

const big = 'x'.repeat(60_000);
const attacks: Record<string, Attack> = {
  'slow-readers': {
    description:
      '40 /sync readers that never read, following a collection a writer adds 60 KB records to, 50/s',
    writes: { perSecond: 50, items: (i) => [{ name: `feed/r${i}`, update: recordUpdate(big + i) }] },
    busyAfter: 1,
    start: slowReaders,
    // Long enough for every reader to reach the per-connection limit (64 MiB).
    timedAfter: 25,
  },
  streams: {
    description:
      '300 change streams from 10 addresses that never read, on a collection written at 5,000 records/s',
    writes: {
      perSecond: 50,
      items: (i) =>
        Array.from({ length: 100 }, (_, j) => ({ name: `feed/s${i}x${j}`, update: recordUpdate(`s${i}`) })),
    },
    busyAfter: 2,
    start: changeStreams,
    // 100,000 records written while the streams are open.
    timedAfter: 20,
  },
};

let ids = 1000;
const nextId = () => ++ids;

async function main(): Promise<void> {
  for (const name of values.attacks.split(',')) {
    const attack = attacks[name];
    if (!attack) throw new Error(`No attack "${name}"; there are ${Object.keys(attacks).join(', ')}.`);
    const relay = await startServerProcess({
      name: 'relay',
      args: ['--import', 'tsx', relayScript, values.server ?? ''],
      listeningUrl: (output) => /"listening":"http(:\/\/[^"]+)"/.exec(output)?.[1],
    });
    const httpUrl = `http${relay.url}`;
    const wsUrl = `ws${relay.url}`;
    console.log(`${name}: ${attack.description}`);
    console.log(`  server: ${values.server ?? 'this checkout (packages/server/dist)'}`);
    try {
      const bystander = await Bystander.connect(wsUrl);
      const quiet = await roundTrips(bystander);
      const writes = await writer(wsUrl, attack.writes.perSecond, attack.writes.items);
      await writes.after(attack.busyAfter);
      const busy = await roundTrips(bystander);
      const swarm = attack.start(wsUrl, Number(new URL(httpUrl).port));
      await sleep(attack.timedAfter * 1000);
      const attacked = await roundTrips(bystander);
      const peak = peakRssKiB(relay.pid);
      const counted = await relayCounts(httpUrl);
      await writes.stop();
      const closes = await swarm.stop();
      const after = await roundTrips(bystander);
      for (const kind of ['ping', 'save'] as const) {
        console.log(
          `  bystander ${kind}, median (p99) of ${samples}: quiet ${ms(quiet[kind])}, busy ${ms(busy[kind])}, ` +
            `under attack ${ms(attacked[kind])}, after ${ms(after[kind])}; under attack / busy: ` +
            `${(attacked[kind].p50 / busy[kind].p50).toFixed(2)}`,
        );
      }
      console.log(
        `  bystander disconnected by the relay: ${bystander.disconnects.length === 0 ? 'never' : bystander.disconnects.join(', ')}`,
      );
      console.log(`  relay peak RSS: ${Math.round(peak / 1024)} MiB`);
      console.log(`  relay's counts under attack: ${counted}`);
      console.log(`  attackers' connections ended, as they saw it: ${describe(closes)}`);
      bystander.close();
    } catch (error) {
      console.log(`  the run failed: ${(error as Error).message}; ${relayState(relay.pid)}`);
    } finally {
      await relay.stop();
    }
  }
}

/** A well-behaved client; if the relay ends its connection, it reconnects and says so in the report. */
class Bystander {
  readonly disconnects: number[] = [];
  #client!: WireClient;

  private constructor(private readonly wsUrl: string) {}

  static async connect(wsUrl: string): Promise<Bystander> {
    const bystander = new Bystander(wsUrl);
    bystander.#client = await WireClient.connect(wsUrl);
    return bystander;
  }

  /** One round trip; a sample lost to a disconnect is taken again on a new connection. */
  async time(roundTrip: (client: WireClient) => Promise<unknown>): Promise<number> {
    for (;;) {
      const start = performance.now();
      try {
        await roundTrip(this.#client);
        return performance.now() - start;
      } catch {
        this.disconnects.push(this.#client.closedWith ?? 0);
        this.#client = await WireClient.connect(this.wsUrl);
      }
    }
  }

  close(): void {
    this.#client.close();
  }
}

/** A bystander's round trips, one after another: pings, then saves of its own record. */
async function roundTrips(bystander: Bystander): Promise<{ ping: Summary; save: Summary }> {
  const pings: number[] = [];
  for (let i = 0; i < samples; i++) pings.push(await bystander.time((client) => client.ping(nextId())));
  const doc = new Y.Doc();
  const fields = doc.getMap('fields');
  const saves: number[] = [];
  for (let i = 0; i < samples; i++) {
    const before = Y.encodeStateVector(doc);
    fields.set('title', `calm ${i} ${Date.now()}`);
    const update = Y.encodeStateAsUpdate(doc, before);
    saves.push(await bystander.time((client) => client.push(nextId(), 'calm/bystander', update)));
  }
  return { ping: summarize(pings), save: summarize(saves) };
}

function recordUpdate(title: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', title);
  return Y.encodeStateAsUpdate(doc);
}

/** Keeps `count` attackers going: each one that notices its connection ended is replaced at once. */
function swarm(count: number, open: (i: number) => Promise<Attacker>): Swarm {
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

function slowReaders(wsUrl: string): Swarm {
  return swarm(40, async () => {
    const reader = await WireClient.connect(wsUrl);
    // From now on only: a returning reader does not download the whole collection again.
    await reader.follow('feed', Date.now());
    reader.stopReading();
    return { closed: reader.closed.then(String), close: () => reader.close() };
  });
}

function changeStreams(_wsUrl: string, port: number): Swarm {
  return swarm(300, async (i) => {
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
}

/** The relay's peak memory, or that its process has ended (a crash: it was not asked to stop). */
function relayState(pid: number): string {
  try {
    return `relay peak RSS ${Math.round(peakRssKiB(pid) / 1024)} MiB`;
  } catch {
    return 'the relay process has ended';
  }
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
// Attackers' sockets the relay never closed may still be open: they are not worth waiting for.
process.exit(0);
