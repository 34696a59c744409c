import { Worker } from 'node:worker_threads';
import type { AppendEntry } from './ServerStorage.js';
import type { SqliteAppendResult } from './sqliteAppend.js';
import type { CommitReply, CommitRequest, CommitWorkerData } from './sqliteCommitWorker.js';

interface Pending {
  resolve(result: SqliteAppendResult): void;
  reject(error: Error): void;
}

// Run from TypeScript source (the test runner), this module's worker is source too: it starts by
// registering tsx, then imports it.
const fromSource = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./sqliteCommitWorker.${fromSource ? 'ts' : 'js'}`, import.meta.url);

function startWorker(workerData: CommitWorkerData): Worker {
  if (!fromSource) return new Worker(WORKER, { workerData });
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * Appends to a SQLite database from a worker thread with its own connection, so that waiting for the
 * disk never holds the event loop. The thread starts with the committer, so the first append does not pay
 * for starting it. Requests are answered in order; a worker that dies fails what it was asked and is
 * started again for the next append. The thread keeps the process alive only while an append is pending.
 */
export class SqliteCommitter {
  readonly #data: CommitWorkerData;
  #worker: Worker | undefined;
  #ready = notRunning();
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(file: string, synchronous: 'full' | 'normal') {
    this.#data = { file, synchronous };
    this.#start();
  }

  /** Resolves once the thread has opened the database; rejects if it failed first or is not running. */
  whenReady(): Promise<void> {
    return this.#ready;
  }

  append(entries: readonly AppendEntry[]): Promise<SqliteAppendResult> {
    const worker = this.#start();
    const id = this.#nextId++;
    if (this.#pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'append', id, entries: [...entries] } satisfies CommitRequest);
    });
  }

  /** Lets the worker finish what it was asked, then stops it. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    this.#ready = notRunning();
    worker.ref();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ type: 'close' } satisfies CommitRequest);
    await exited;
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startWorker(this.#data);
    worker.unref();
    let ready!: () => void;
    let failed!: (error: Error) => void;
    this.#ready = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    // Nobody may be waiting for it: a thread that fails to start is reported to the next append instead.
    this.#ready.catch(() => {});
    worker.on('message', (reply: CommitReply) => {
      if (reply.type === 'ready') return ready();
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0 && this.#worker === worker) worker.unref();
      if (reply.type === 'failed') pending.reject(new Error(reply.error));
      else pending.resolve(reply);
    });
    const fail = (reason: string) => {
      if (this.#worker === worker) {
        this.#worker = undefined;
        this.#ready = notRunning();
      }
      failed(new Error(reason));
      for (const pending of this.#pending.values()) pending.reject(new Error(reason));
      this.#pending.clear();
    };
    worker.on('error', (error) => fail(`the commit thread failed: ${error.message}`));
    worker.on('exit', (code) => fail(`the commit thread exited (code ${code})`));
    this.#worker = worker;
    return worker;
  }
}

function notRunning(): Promise<void> {
  const rejected = Promise.reject(new Error('the commit thread is not running'));
  rejected.catch(() => {});
  return rejected;
}
