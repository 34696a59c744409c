import { silentLogger } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { CommitQueue } from '../src/documents/CommitQueue.js';
import { Metrics } from '../src/Metrics.js';
import type { AppendEntry, AppendResult, ServerStorage } from '../src/storage/ServerStorage.js';

const entry = (n: number): AppendEntry => ({
  name: `notes/n${n}`,
  collection: 'notes',
  update: Uint8Array.of(0, 0),
  actor: 'test',
  at: 0,
});

/** A store whose first append waits until the test lets it go; later ones answer at once. */
class HeldStorage {
  readonly firstAppendStarted: Promise<void>;
  #started!: () => void;
  #release: (() => void) | undefined;
  #appends = 0;
  #entries = 0;

  constructor() {
    this.firstAppendStarted = new Promise((resolve) => {
      this.#started = resolve;
    });
  }

  async append(entries: readonly AppendEntry[]): Promise<AppendResult> {
    if (this.#appends++ === 0) {
      await new Promise<void>((resolve) => {
        this.#release = resolve;
        this.#started();
      });
    }
    const positions = entries.map(() => String(++this.#entries));
    return { cursors: new Map([['notes', positions.at(-1)!]]), positions };
  }

  release(): void {
    this.#release?.();
  }
}

describe('the commit queue', () => {
  it('keeps committing after a scheduled run finds that an earlier run already took its entries', async () => {
    const storage = new HeldStorage();
    const queue = new CommitQueue(storage as unknown as ServerStorage, new Metrics(), silentLogger);
    const first = queue.commit(entry(1));
    await storage.firstAppendStarted;
    // Queued while the first append waits: its scheduled run comes after the running one has taken it
    // (released in the same turn), so that scheduled run finds nothing to do.
    const second = queue.commit(entry(2));
    storage.release();
    expect(await first).toBe('1');
    expect(await second).toBe('2');
    // The run scheduled for the second entry happens in the next turn of the event loop, and finds the
    // queue empty. After it the queue must still run: this commit resolves only if a new run starts.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await queue.commit(entry(3))).toBe('3');
  });
});
