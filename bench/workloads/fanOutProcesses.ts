/**
 * fan-out-processes: fan-out (fanOut.ts) with the readers in separate processes, so that 50 readers sharing
 * the workload's process with the writer do not hold the relay's deliveries back: the relay's share of the
 * cost and latency shows apart from the clients'. The writer stays in this process; each reader process
 * (fanOutReaders.ts) opens its share of the readers with the system's own client and reports when they saw
 * each update, in milliseconds since the epoch, which processes on one machine share.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { withDeadline } from '../lib/deadline.js';
import { paced, sleep, yieldToEventLoop } from '../lib/pacing.js';
import { cpuMs, measureProcess } from '../lib/processStats.js';
import { perMille } from '../lib/stats.js';
import { cpuMsSince } from '../lib/stopwatch.js';
import type { SystemUnderTest } from '../systems/SystemUnderTest.js';
import { withServer } from '../systems/withServer.js';
import type { Workload, WorkloadResult } from '../workload.js';
import { BURST_BASE, fanOutMetrics, PACED_BASE, RECORD } from './fanOut.js';
import { epochNow, type FromReaders, type ToReaders } from './fanOutMessages.js';

/** One per core and then some: the readers' processes share the machine with the relay and the writer. */
const READER_PROCESSES = 4;
const readerScript = fileURLToPath(new URL('./fanOutReaders.ts', import.meta.url));

export function fanOutAcrossProcesses(system: SystemUnderTest): Workload {
  return {
    name: 'fan-out-processes',
    system: system.name,
    description: `Fan-out with the readers in ${READER_PROCESSES} processes of their own: the relay's share apart from the clients'.`,
    run: (size) =>
      withServer(system, 1, async ({ server, open }): Promise<WorkloadResult> => {
        const shares = split(size.fanOutReaders, Math.min(READER_PROCESSES, size.fanOutReaders));
        const processes = shares.map(() => new ReaderProcess());
        try {
          await withDeadline(
            Promise.all(
              processes.map((child, p) =>
                child.ask(
                  { type: 'open', system: system.name, server: server.remote([RECORD]), readers: shares[p]! },
                  'ready',
                ),
              ),
            ),
            120_000,
            `${system.name}: fan-out reader processes syncing`,
          );
          const writer = await open([RECORD], 'records');
          await writer.whenSynced();
          const updates = size.fanOutUpdates;

          const burstEnd = BURST_BASE + updates;
          await Promise.all(
            processes.map((child) => child.ask({ type: 'burst', end: burstEnd }, 'burst-ready')),
          );
          const burstDone = Promise.all(processes.map((child) => child.next('burst-done')));
          const burstUsage = measureProcess(server.pid);
          const readersCpu = processes.map((child) => cpuMs(child.pid));
          const writerCpu = process.cpuUsage();
          const burstStart = epochNow();
          for (let n = 1; n <= updates; n++) {
            writer.write(RECORD, { score: BURST_BASE + n });
            await yieldToEventLoop();
          }
          const finished = await withDeadline(burstDone, 300_000, `${system.name}: fan-out burst`);
          const burstMs = Math.max(...finished.map((done) => done.at)) - burstStart;
          const clientCpuMs =
            cpuMsSince(writerCpu) +
            processes.reduce((sum, child, p) => sum + cpuMs(child.pid) - readersCpu[p]!, 0);
          const relayInBurst = burstUsage();
          const framesPerReader =
            finished.reduce((sum, done) => sum + done.framesReceived, 0) / size.fanOutReaders;

          await sleep(200);
          await Promise.all(processes.map((child) => child.ask({ type: 'paced', updates }, 'paced-ready')));
          const pacedDone = Promise.all(processes.map((child) => child.next('paced-done')));
          const pacedUsage = measureProcess(server.pid);
          const sentAt = new Float64Array(updates + 1);
          await paced(updates, size.fanOutRate, (i) => {
            sentAt[i + 1] = epochNow();
            writer.write(RECORD, { score: PACED_BASE + i + 1 });
          });
          const seen = await withDeadline(pacedDone, 120_000, 'fan-out-processes: paced updates');
          const relayWhilePaced = pacedUsage();
          const latencies = seen.flatMap((done) =>
            done.seenAt.flatMap((times) => times.map((at, n) => at - sentAt[n + 1]!)),
          );

          return {
            workload: 'fan-out-processes',
            system: system.name,
            size: size.name,
            params: {
              readers: size.fanOutReaders,
              readerProcesses: processes.length,
              updates,
              pacedRate: size.fanOutRate,
            },
            metrics: fanOutMetrics({
              deliveries: updates * size.fanOutReaders,
              burstMs,
              framesPerReader,
              clientCpu: ['burst: client CPU (writer and reader processes)', clientCpuMs],
              relayInBurst,
              latencies,
              relayWhilePacedMs: relayWhilePaced.cpuMs,
            }),
            notes: system.notes,
            samples: { 'paced: delivery latency, per mille': perMille(latencies) },
          };
        } finally {
          await Promise.all(processes.map((child) => child.close()));
        }
      }),
  };
}

/** `total` readers spread over `parts` processes as evenly as possible. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, p) => Math.floor(total / parts) + (p < total % parts ? 1 : 0));
}

/** A reader process, asked over IPC and answering in order. */
class ReaderProcess {
  readonly #child: ChildProcess;
  readonly #waiting: { type: FromReaders['type']; resolve: (message: FromReaders) => void }[] = [];
  readonly #exited: Promise<unknown>;

  constructor() {
    this.#child = fork(readerScript, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    this.#exited = once(this.#child, 'exit');
    this.#child.on('message', (message: FromReaders) => {
      const index = this.#waiting.findIndex((waiting) => waiting.type === message.type);
      if (index >= 0) this.#waiting.splice(index, 1)[0]!.resolve(message);
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** The next message of `type` from the process. */
  next<T extends FromReaders['type']>(type: T): Promise<Extract<FromReaders, { type: T }>> {
    return new Promise((resolve) =>
      this.#waiting.push({ type, resolve: resolve as (message: FromReaders) => void }),
    );
  }

  /** Sends `message` and resolves with the answer of type `answer`. */
  ask<T extends FromReaders['type']>(
    message: ToReaders,
    answer: T,
  ): Promise<Extract<FromReaders, { type: T }>> {
    const answered = this.next(answer);
    this.#child.send(message);
    return answered;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.send({ type: 'close' } satisfies ToReaders);
    await withDeadline(this.#exited, 30_000, 'fan-out reader process closing').catch(() =>
      this.#child.kill(),
    );
  }
}
