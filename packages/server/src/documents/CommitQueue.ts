import { type Logger, realTimers, type Timers } from '@ferry/core';
import type { Metrics } from '../Metrics.js';
import type { AppendEntry, ServerStorage } from '../storage/ServerStorage.js';

interface Waiter {
  /** The entry this waiter queued, if any; it is told its cursor. */
  entry: AppendEntry | undefined;
  resolve(cursor: string | undefined): void;
}

/**
 * Group commit: every change received in one turn of the event loop is appended in one storage
 * transaction. A failed commit is retried, with backoff, until it succeeds; nothing waiting on it is
 * acknowledged before then, and nothing acknowledged was ever uncommitted.
 */
export class CommitQueue {
  #waiters: Waiter[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #running: Promise<void> | undefined;
  #retryDelay = 0;
  #closed = false;

  constructor(
    private readonly storage: ServerStorage,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Bytes received and not yet committed. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Whether the last commit failed and the queue is retrying. */
  get failing(): boolean {
    return this.#retryDelay > 0;
  }

  /**
   * Queues an entry; resolves with its cursor once it, and everything queued before it, is committed.
   * Without an entry, resolves once everything queued so far is committed.
   */
  commit(entry?: AppendEntry): Promise<string | undefined> {
    if (entry) this.#pendingBytes += entry.update.byteLength;
    else if (this.#waiters.length === 0 && !this.#running) return Promise.resolve(undefined);
    const done = new Promise<string | undefined>((resolve) => this.#waiters.push({ entry, resolve }));
    this.#schedule();
    return done;
  }

  /** Commits what is queued, then stops. */
  async close(): Promise<void> {
    await this.commit();
    this.#closed = true;
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    // setImmediate lets every message already received in this turn join the batch.
    this.timers.setImmediate(() => {
      this.#scheduled = false;
      // Cleared when the run has settled, never before it is set: a run with nothing to do finishes
      // synchronously, and clearing it from inside would be undone by this assignment, stalling the queue.
      this.#running ??= this.#run().finally(() => {
        this.#running = undefined;
      });
    });
  }

  async #run(): Promise<void> {
    while (this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      const withEntries = waiters.filter((w) => w.entry !== undefined);
      const positions = withEntries.length > 0 ? await this.#append(withEntries.map((w) => w.entry!)) : [];
      const cursors = new Map(withEntries.map((w, i) => [w, positions[i]]));
      for (const waiter of waiters) waiter.resolve(cursors.get(waiter));
    }
  }

  async #append(batch: AppendEntry[]): Promise<readonly string[]> {
    for (;;) {
      try {
        const result = await this.metrics.time('append', () => this.storage.append(batch));
        this.#pendingBytes -= batch.reduce((sum, e) => sum + e.update.byteLength, 0);
        this.#retryDelay = 0;
        return result.positions;
      } catch (error) {
        this.metrics.errors.inc({ kind: 'storage' });
        this.#retryDelay = Math.min(5000, Math.max(50, this.#retryDelay * 2));
        this.logger.error(
          { err: error, entries: batch.length, retryInMs: this.#retryDelay },
          'commit failed; retrying, acknowledgements wait',
        );
        await new Promise<void>((resolve) => this.timers.setTimeout(resolve, this.#retryDelay));
      }
    }
  }
}
