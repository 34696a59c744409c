/**
 * The fuzzer's side of a relay running its cases in a worker thread (caseHost.ts): starts it, hands it one
 * case at a time, and tells the three ways a case can end: done (with what was seen), crashed (the thread
 * ended: an uncaught error, or its heap cap reached), or frozen (its heartbeat stopped; the thread is then
 * ended by force). A heartbeat late on a loaded machine is not a freeze: frozen is `timeoutMs` of the
 * thread's own CPU without a beat (Linux), or no beat for FROZEN_WALL_FACTOR times that however little CPU.
 */
import { Worker } from 'node:worker_threads';
import type { CaseHostData, CaseOutcome, DriverMessage, HostMessage } from './caseHost.js';
import { threadCpuMsOf } from './Meter.js';

export type CaseEnd =
  | { readonly end: 'done'; readonly outcome: CaseOutcome }
  | { readonly end: 'crashed'; readonly detail: string }
  | { readonly end: 'frozen' };

const HOST = new URL('./caseHost.ts', import.meta.url);
/** A thread silent this many times `timeoutMs` is frozen even if it used no CPU (blocked, not starved). */
export const FROZEN_WALL_FACTOR = 12;

export class FuzzRelay {
  /** Why the relay's thread ended, once it has: an uncaught error, or running out of memory. */
  crashed: string | undefined;
  #lastBeat = Date.now();
  #cpuAtLastBeat: number | undefined;
  /** The fuzzer's own work in the thread holds the heartbeat too, and is not a freeze. */
  #driving = false;
  #waiting: ((end: CaseEnd) => void) | undefined;
  readonly #exited: Promise<void>;
  readonly #watch: NodeJS.Timeout;

  private constructor(
    readonly worker: Worker,
    readonly timeoutMs: number,
    private readonly tid: number | undefined,
  ) {
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: HostMessage) => {
      this.#beat();
      if (message.type === 'driving') this.#driving = message.busy;
      if (message.type === 'done') this.#settle({ end: 'done', outcome: message.outcome });
    });
    worker.on('error', (error) => {
      this.crashed ??= String(error.stack ?? error);
    });
    worker.on('exit', (code) => {
      clearInterval(this.#watch);
      this.crashed ??= `the relay's thread exited (code ${code})`;
      this.#settle({ end: 'crashed', detail: this.crashed });
    });
    this.#watch = setInterval(
      () => {
        if (this.#waiting && !this.#driving && this.#frozen()) {
          this.#settle({ end: 'frozen' });
          void this.terminate();
        }
      },
      Math.min(1000, timeoutMs / 4),
    );
  }

  /** Starts a relay (SQLite in `data.dataDir`, or memory), its old generation capped at `maxHeapMb`. */
  static async start(data: CaseHostData, maxHeapMb: number): Promise<FuzzRelay> {
    // The tests run from TypeScript source: the thread registers tsx before importing the host.
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(HOST.href)}); });`;
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    });
    const tid = await new Promise<number | undefined>((resolve, reject) => {
      const ready = (message: HostMessage) => {
        if (message.type !== 'ready') return;
        worker.off('message', ready);
        resolve(message.tid);
      };
      worker.on('message', ready);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the relay's thread exited (code ${code}) before it was ready`)),
      );
    });
    return new FuzzRelay(worker, data.timeoutMs, tid);
  }

  /** Runs one case; how it ended. */
  run(message: DriverMessage): Promise<CaseEnd> {
    if (this.crashed) return Promise.resolve({ end: 'crashed', detail: this.crashed });
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#beat();
      this.#driving = false;
      this.worker.postMessage(message);
    });
  }

  /** Ends the relay's thread (after a freeze, or to start a fresh relay). */
  async terminate(): Promise<void> {
    this.crashed ??= 'terminated by the fuzzer';
    clearInterval(this.#watch);
    await this.worker.terminate();
    await this.#exited;
  }

  #beat(): void {
    this.#lastBeat = Date.now();
    this.#cpuAtLastBeat = threadCpuMsOf(this.tid);
  }

  /** No heartbeat while the thread worked `timeoutMs` of CPU, or for far longer whatever it did. */
  #frozen(): boolean {
    const silentMs = Date.now() - this.#lastBeat;
    if (silentMs <= this.timeoutMs) return false;
    if (silentMs > this.timeoutMs * FROZEN_WALL_FACTOR) return true;
    const cpu = threadCpuMsOf(this.tid);
    if (cpu === undefined || this.#cpuAtLastBeat === undefined) return true;
    return cpu - this.#cpuAtLastBeat >= this.timeoutMs;
  }

  #settle(end: CaseEnd): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(end);
  }
}
