/**
 * A worker thread holding one relay (InProcessRelay.ts) and running the cases it is given against it, one at
 * a time: the case, the relay-wide checks, whether what was stored still applies, and how long the relay
 * held the thread (Meter.ts). In a thread of its own, a relay crash ends only the thread (as it would end a
 * relay's process) and a freeze stops its heartbeat, so the fuzzer reports the case and starts another.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '@ferry/core';
import { seededRandom } from '@ferry/core/testing';
import { MemoryServerStorage } from '../../src/storage/MemoryServerStorage.js';
import { SqliteStorage } from '../../src/storage/SqliteStorage.js';
import { type CaseResult, runCase } from './cases.js';
import type { Observation } from './channels.js';
import { checkRelay, createBystander, unusable } from './checks.js';
import { FROZEN_WALL_FACTOR } from './FuzzRelay.js';
import { openInProcessRelay } from './InProcessRelay.js';
import { knownHistoryFreeze, newMemory, remember } from './knownFindings.js';
import { type Held, Meter, onLongDriverWork, threadId } from './Meter.js';
import type { FuzzScale } from './yjsUpdates.js';

export interface CaseHostData {
  /** SQLite in this folder, or memory when not given. */
  readonly dataDir: string | undefined;
  readonly timeoutMs: number;
  readonly scale: FuzzScale;
  readonly big: { readonly share: number; readonly scale: FuzzScale } | undefined;
}

export interface LogLine {
  readonly level: 'warn' | 'error';
  readonly message: string;
  /** The document or path the line is about, when it says. */
  readonly about?: string;
  readonly error?: string;
}

export interface CaseOutcome {
  readonly result: Omit<CaseResult, 'input'> & { readonly inputHex: string | undefined };
  /** Relay-wide checks that failed after the case. */
  readonly failed: readonly Observation[];
  readonly unusable: { index: number; error: string; updateHex: string } | undefined;
  readonly logs: readonly LogLine[];
  readonly held: Held;
  readonly heapUsedMb: number;
  readonly rssMb: number;
}

export type HostMessage =
  /** `tid`: the thread's id on Linux, for the fuzzer to read its CPU time. */
  | { type: 'ready'; tid: number | undefined }
  | { type: 'alive' }
  /** The fuzzer's own long work starts (true) or ends: no heartbeat is due meanwhile. */
  | { type: 'driving'; busy: boolean }
  | { type: 'done'; index: number; outcome: CaseOutcome };

export type DriverMessage = {
  type: 'case';
  index: number;
  seed: number;
  /** History reads of records known to freeze the relay are left out (see knownFindings.ts). */
  skipKnownFreezes: boolean;
};

const port = parentPort!;
const data = workerData as CaseHostData;
const send = (message: HostMessage) => port.postMessage(message);

const logs: LogLine[] = [];
const forward =
  (level: 'warn' | 'error') =>
  (details: object, message = ''): void => {
    const { err, document, path, url } = details as {
      err?: Error;
      document?: string;
      path?: string;
      url?: string;
    };
    logs.push({ level, message, about: document ?? path ?? url, error: err ? oneLine(err) : undefined });
  };
/** An error's message and the first frames of its stack, on one line. */
const oneLine = (error: Error): string =>
  String(error.stack ?? error)
    .split('\n')
    .slice(0, 4)
    .map((line) => line.trim())
    .join(' ← ');
const logger: Logger = { debug: () => {}, info: () => {}, warn: forward('warn'), error: forward('error') };

const storage = data.dataDir
  ? new SqliteStorage({ path: data.dataDir, synchronous: 'normal' })
  : new MemoryServerStorage();
if (storage instanceof SqliteStorage) await storage.whenCommitThreadReady();
// The cases' waits share this thread with the relay, and a loaded machine slows both alike: a request counts
// as unanswered only after as long as a silent thread takes to count as frozen (FuzzRelay.ts).
const relay = await openInProcessRelay(storage, logger, data.timeoutMs * FROZEN_WALL_FACTOR);
const { target } = relay;
await createBystander(target);
logs.length = 0;
const memory = newMemory();
const meter = new Meter();
// A frozen relay stops this beat: the fuzzer's sign that it will not answer.
setInterval(() => send({ type: 'alive' }), 250);
onLongDriverWork((busy) => send({ type: 'driving', busy }));

async function run(message: DriverMessage): Promise<CaseOutcome> {
  const random = seededRandom(message.seed);
  const scale = data.big && random.chance(data.big.share) ? data.big.scale : data.scale;
  const readsHistory = (name: string, kind: string) =>
    !message.skipKnownFreezes || !knownHistoryFreeze(name, kind, memory);
  meter.read();
  const result = await runCase(random, scale, target, message.index, readsHistory);
  remember(memory, result);
  const failed = await checkRelay(target, message.index, message.index % 25 === 0);
  const bad = await unusable(storage, result.name);
  const held = meter.read();
  const heap = process.memoryUsage();
  const { input, ...rest } = result;
  return {
    result: { ...rest, inputHex: input ? hex(input) : undefined },
    failed,
    unusable: bad && { index: bad.index, error: bad.error, updateHex: hex(bad.update) },
    logs: logs.splice(0),
    held,
    heapUsedMb: heap.heapUsed / 2 ** 20,
    rssMb: heap.rss / 2 ** 20,
  };
}

port.on('message', (message: DriverMessage) => {
  void run(message).then((outcome) => send({ type: 'done', index: message.index, outcome }));
});
send({ type: 'ready', tid: threadId() });

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.subarray(0, 64)).toString('hex') +
  (bytes.byteLength > 64 ? `… (${bytes.byteLength} bytes)` : '');
