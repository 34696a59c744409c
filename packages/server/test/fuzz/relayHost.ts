/**
 * A relay in a worker thread, as the fuzzer's target. In a thread of its own, a crash ends only the thread
 * (as it would end a relay's process) and a freeze can be seen from outside and stopped, so the fuzzer
 * reports the case and goes on. It answers probes with its event-loop delay and heap since the last probe.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '@ferry/core';
import { createRelay } from '../../src/createRelay.js';
import { SqliteStorage } from '../../src/storage/SqliteStorage.js';
import { fuzzCollections } from './collections.js';

export interface RelayHostData {
  readonly dataDir: string;
}

export type HostMessage =
  | { type: 'listening'; url: string; httpUrl: string }
  | {
      type: 'probe';
      id: number;
      maxDelayMs: number;
      cpuMs: number | undefined;
      heldCpuMs: number | undefined;
      heapUsedMb: number;
      rssMb: number;
    }
  | { type: 'log'; level: 'warn' | 'error'; message: string; about?: string; error?: string }
  | { type: 'closed' };

export type DriverMessage = { type: 'probe'; id: number } | { type: 'close' };

const port = parentPort!;
const { dataDir } = workerData as RelayHostData;
const send = (message: HostMessage) => port.postMessage(message);

/** Warnings and errors go to the fuzzer: an error logged for a request is a finding. */
const forward =
  (level: 'warn' | 'error') =>
  (details: object, message = ''): void => {
    const { err, document, path, url } = details as {
      err?: Error;
      document?: string;
      path?: string;
      url?: string;
    };
    const about = document ?? path ?? url;
    send({ type: 'log', level, message, about, error: err ? oneLine(err) : undefined });
  };
/** An error's message and the first frames of its stack, on one line. */
const oneLine = (error: Error): string =>
  String(error.stack ?? error)
    .split('\n')
    .slice(0, 4)
    .map((line) => line.trim())
    .join(' ← ');

const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: forward('warn'),
  error: forward('error'),
};

const delay = monitorEventLoopDelay({ resolution: 10 });
const storage = new SqliteStorage({ path: dataDir, synchronous: 'normal' });
await storage.whenCommitThreadReady();
const relay = await createRelay({
  port: 0,
  storage,
  collections: fuzzCollections,
  logger,
  // The fuzzer is one address asking as fast as the relay answers: the per-address rate is not what it tests.
  limits: { addressRequestsPerSecond: 1e9, addressRequestBurst: 1e9 },
});
delay.enable();

/**
 * CPU time this thread has used, in ms, where Linux tells (/proc/thread-self). Event-loop delay alone also
 * counts time the thread waited for a core on a busy machine; a stall of the relay's own making takes CPU.
 */
function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * The most CPU this thread used between two ticks of a 10 ms timer: how long the event loop was held by the
 * relay's own work. The delay alone also counts waiting for a core while other processes run.
 */
let heldCpuMs = 0;
let cpuAtLastTick = threadCpuMs();
const ticks = setInterval(() => {
  const cpu = threadCpuMs();
  if (cpu !== undefined && cpuAtLastTick !== undefined) heldCpuMs = Math.max(heldCpuMs, cpu - cpuAtLastTick);
  cpuAtLastTick = cpu;
}, 10);

let cpuAtLastProbe = threadCpuMs();
port.on('message', async (message: DriverMessage) => {
  if (message.type === 'probe') {
    const maxDelayMs = delay.max / 1e6;
    delay.reset();
    const cpu = threadCpuMs();
    const cpuMs = cpu === undefined || cpuAtLastProbe === undefined ? undefined : cpu - cpuAtLastProbe;
    cpuAtLastProbe = cpu;
    // The work up to this probe counts too: it has held the loop since the last tick.
    const held =
      cpu === undefined || cpuAtLastTick === undefined ? undefined : Math.max(heldCpuMs, cpu - cpuAtLastTick);
    heldCpuMs = 0;
    cpuAtLastTick = cpu;
    const memory = process.memoryUsage();
    send({
      type: 'probe',
      id: message.id,
      maxDelayMs,
      cpuMs,
      heldCpuMs: held,
      heapUsedMb: memory.heapUsed / 2 ** 20,
      rssMb: memory.rss / 2 ** 20,
    });
    return;
  }
  delay.disable();
  clearInterval(ticks);
  await relay.close();
  send({ type: 'closed' });
  port.close();
});
send({ type: 'listening', url: relay.url, httpUrl: relay.httpUrl });
