/**
 * The fuzzer's side of a relay running its cases in a worker thread (caseHost.ts): starts it, hands it one
 * case at a time, and tells the three ways a case can end: done (with what was seen), crashed (the thread
 * ended: an uncaught error, or its heap cap reached), or frozen (its heartbeat stopped for `timeoutMs`; the
 * thread is then ended by force).
 */
import { Worker } from 'node:worker_threads';
import type { CaseHostData, CaseOutcome, DriverMessage, HostMessage } from './caseHost.js';

export type CaseEnd =
  | { readonly end: 'done'; readonly outcome: CaseOutcome }
  | { readonly end: 'crashed'; readonly detail: string }
  | { readonly end: 'frozen' };

const HOST = new URL('./caseHost.ts', import.meta.url);

export class FuzzRelay {
  /** Why the relay's thread ended, once it has: an uncaught error, or running out of memory. */
  crashed: string | undefined;
  #lastBeat = Date.now();
  /** The fuzzer's own work in the thread holds the heartbeat too, and is not a freeze. */
  #driving = false;
  #waiting: ((end: CaseEnd) => void) | undefined;
  readonly #exited: Promise<void>;
  readonly #watch: NodeJS.Timeout;

  private constructor(
    readonly worker: Worker,
    readonly timeoutMs: number,
  ) {
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: HostMessage) => {
      this.#lastBeat = Date.now();
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
        if (this.#waiting && !this.#driving && Date.now() - this.#lastBeat > timeoutMs) {
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
    await new Promise<void>((resolve, reject) => {
      const ready = (message: HostMessage) => {
        if (message.type !== 'ready') return;
        worker.off('message', ready);
        resolve();
      };
      worker.on('message', ready);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the relay's thread exited (code ${code}) before it was ready`)),
      );
    });
    return new FuzzRelay(worker, data.timeoutMs);
  }

  /** Runs one case; how it ended. */
  run(message: DriverMessage): Promise<CaseEnd> {
    if (this.crashed) return Promise.resolve({ end: 'crashed', detail: this.crashed });
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#lastBeat = Date.now();
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

  #settle(end: CaseEnd): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(end);
  }
}
