import type { Logger } from '@ferry/core';
import type { Metrics } from '../Metrics.js';
import type { AppendEntry, ServerStorage } from '../storage/ServerStorage.js';

interface Waiter {
  resolve(): void;
}

/**
 * Group commit: every change received in one turn of the event loop is appended in one storage
 * transaction. A failed commit is retried, with backoff, until it succeeds; nothing waiting on it is
 * acknowledged before then, and nothing acknowledged was ever uncommitted.
 */
export class CommitQueue {
  #queue: AppendEntry[] = [];
  #waiters: Waiter[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #running: Promise<void> | undefined;
  #retryDelay = 0;
  #closed = false;

  constructor(
    private readonly storage: ServerStorage,
    private readonly onCommitted: (cursors: ReadonlyMap<string, string>) => void,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
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
   * Queues an entry; resolves once it, and everything queued before it, is committed. Without an entry,
   * resolves once everything queued so far is committed.
   */
  commit(entry?: AppendEntry): Promise<void> {
    if (entry) {
      this.#queue.push(entry);
      this.#pendingBytes += entry.update.byteLength;
    }
    if (this.#queue.length === 0 && !this.#running) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push({ resolve }));
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
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#running) this.#running = this.#run();
    });
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0 || this.#waiters.length > 0) {
      const batch = this.#queue;
      const waiters = this.#waiters;
      this.#queue = [];
      this.#waiters = [];
      if (batch.length > 0) await this.#append(batch);
      for (const waiter of waiters) waiter.resolve();
    }
    this.#running = undefined;
  }

  async #append(batch: AppendEntry[]): Promise<void> {
    for (;;) {
      try {
        const result = await this.metrics.time('append', () => this.storage.append(batch));
        this.#pendingBytes -= batch.reduce((sum, e) => sum + e.update.byteLength, 0);
        this.#retryDelay = 0;
        this.onCommitted(result.cursors);
        return;
      } catch (error) {
        this.metrics.errors.inc({ kind: 'storage' });
        this.#retryDelay = Math.min(5000, Math.max(50, this.#retryDelay * 2));
        this.logger.error(
          { err: error, entries: batch.length, retryInMs: this.#retryDelay },
          'commit failed; retrying, acknowledgements wait',
        );
        await new Promise((resolve) => setTimeout(resolve, this.#retryDelay));
      }
    }
  }
}
