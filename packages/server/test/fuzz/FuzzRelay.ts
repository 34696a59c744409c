/**
 * The fuzzer's side of a relay running in a worker thread (relayHost.ts): starts it, notices when it
 * crashes or runs out of its heap, probes it with a deadline (a relay that cannot answer is frozen), and
 * stops it, by force if it must.
 */
import { Worker } from 'node:worker_threads';
import type { DriverMessage, HostMessage, RelayHostData } from './relayHost.js';

export interface Probe {
  /** The longest the relay's event loop was held since the previous probe. */
  readonly maxDelayMs: number;
  /** CPU time the relay's thread used since the previous probe, where the system tells. */
  readonly cpuMs: number | undefined;
  /** The most CPU the relay's thread used in one stretch without turning its event loop, where told. */
  readonly heldCpuMs: number | undefined;
  readonly heapUsedMb: number;
  /** The resident memory of the whole process (the fuzzer and the relay's thread). */
  readonly rssMb: number;
}

export interface LogLine {
  readonly level: 'warn' | 'error';
  readonly message: string;
  /** The document or path the line is about, when it says. */
  readonly about?: string;
  readonly error?: string;
}

const HOST = new URL('./relayHost.ts', import.meta.url);

export class FuzzRelay {
  /** Why the relay's thread ended, once it has: an uncaught error, or running out of memory. */
  crashed: string | undefined;
  readonly #logs: LogLine[] = [];
  readonly #probes = new Map<number, (probe: Probe) => void>();
  #nextProbe = 1;
  readonly #exited: Promise<void>;

  private constructor(
    readonly worker: Worker,
    readonly url: string,
    readonly httpUrl: string,
  ) {
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: HostMessage) => {
      if (message.type === 'probe') this.#probes.get(message.id)?.(message);
      else if (message.type === 'log') this.#logs.push(message);
    });
    worker.on('error', (error) => {
      this.crashed ??= String(error.stack ?? error);
    });
    worker.on('exit', (code) => {
      this.crashed ??= `the relay's thread exited (code ${code})`;
    });
  }

  /** Starts a relay on SQLite in `dataDir`, its old generation capped at `maxHeapMb`. */
  static async start(dataDir: string, maxHeapMb: number): Promise<FuzzRelay> {
    // The tests run from TypeScript source: the thread registers tsx before importing the host.
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(HOST.href)}); });`;
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: { dataDir } satisfies RelayHostData,
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    });
    const listening = await new Promise<HostMessage & { type: 'listening' }>((resolve, reject) => {
      worker.on('message', (message: HostMessage) => {
        if (message.type === 'listening') resolve(message);
      });
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the relay's thread exited (code ${code}) before listening`)),
      );
    });
    return new FuzzRelay(worker, listening.url, listening.httpUrl);
  }

  /** The relay's event-loop delay and heap, or undefined if it did not answer within `timeoutMs`. */
  probe(timeoutMs: number): Promise<Probe | undefined> {
    if (this.crashed) return Promise.resolve(undefined);
    const id = this.#nextProbe++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#probes.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.#probes.set(id, (probe) => {
        clearTimeout(timer);
        this.#probes.delete(id);
        resolve(probe);
      });
      this.worker.postMessage({ type: 'probe', id } satisfies DriverMessage);
    });
  }

  /** Warnings and errors the relay logged since the last call. */
  takeLogs(): LogLine[] {
    return this.#logs.splice(0);
  }

  /** Closes the relay, or ends its thread if it does not close within `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.crashed) return this.#exited;
    this.worker.postMessage({ type: 'close' } satisfies DriverMessage);
    const timer = setTimeout(() => void this.worker.terminate(), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Ends the relay's thread at once (it is frozen). */
  async terminate(): Promise<void> {
    this.crashed ??= 'terminated by the fuzzer';
    await this.worker.terminate();
    await this.#exited;
  }
}
