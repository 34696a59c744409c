import type { Timer, Timers } from '@ferry/core';

interface Task {
  at: number;
  /** Order of scheduling: tasks due at the same time run in the order they were set. */
  seq: number;
  run: () => void;
  owner: string;
  cancelled: boolean;
  /** For intervals: the period, rescheduled after each run. */
  every?: number;
}

const drainMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Simulated time: a priority queue of timers, run one at a time in (time, order) order, each followed by
 * every microtask it caused. Nothing real waits: a run is bounded by steps and identical for one seed.
 * Timers belong to an owner (a client, a relay node) so that a killed owner's timers go with it.
 */
export class SimClock {
  #now: number;
  #seq = 0;
  readonly #heap: Task[] = [];
  readonly #dead = new Set<string>();
  steps = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now = (): number => this.#now;

  /** The Timers an owner uses. */
  timersFor(owner: string): Timers {
    const timer = (task: Task): Timer => {
      const handle: Timer = {
        cancel: () => {
          task.cancelled = true;
        },
        unref: () => handle,
      };
      return handle;
    };
    return {
      now: this.now,
      setTimeout: (callback, ms) => timer(this.schedule(owner, Math.max(0, ms), callback)),
      setInterval: (callback, ms) => {
        const task = this.schedule(owner, Math.max(1, ms), callback);
        task.every = Math.max(1, ms);
        return timer(task);
      },
      setImmediate: (callback) => void this.schedule(owner, 0, callback),
    };
  }

  schedule(owner: string, delay: number, run: () => void): Task {
    const task: Task = {
      at: this.#now + delay,
      seq: this.#seq++,
      run,
      owner,
      cancelled: this.#dead.has(owner),
    };
    this.#push(task);
    return task;
  }

  /** Cancels every timer of `owner`, now and later (a killed node, a closed client). */
  kill(owner: string): void {
    this.#dead.add(owner);
    for (const task of this.#heap) if (task.owner === owner) task.cancelled = true;
  }

  /** Lets `owner` set timers again (a restarted node under the same name). */
  revive(owner: string): void {
    this.#dead.delete(owner);
  }

  get pending(): number {
    return this.#heap.length;
  }

  /** Runs the next timer and the microtasks it caused; false when none is left due by `until`. */
  async step(until = Number.POSITIVE_INFINITY): Promise<boolean> {
    for (;;) {
      const next = this.#heap[0];
      if (!next || next.at > until) return false;
      this.#pop();
      if (next.cancelled) continue;
      this.#now = Math.max(this.#now, next.at);
      if (next.every !== undefined) {
        next.at = this.#now + next.every;
        next.seq = this.#seq++;
        this.#push(next);
      }
      this.steps++;
      next.run();
      await drainMicrotasks();
      return true;
    }
  }

  /** Runs every timer due within `ms` of now, then moves the clock there. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    while (await this.step(until)) {}
    this.#now = Math.max(this.#now, until);
  }

  /** Runs timers until `done()` holds or `ms` of simulated time pass; returns whether it holds. */
  async until(done: () => boolean, ms: number, checkEveryMs = 50): Promise<boolean> {
    const deadline = this.#now + ms;
    while (!done()) {
      if (this.#now >= deadline) return false;
      await this.advance(Math.min(checkEveryMs, deadline - this.#now));
    }
    return true;
  }

  #push(task: Task): void {
    const heap = this.#heap;
    heap.push(task);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && before(heap[right]!, heap[least]!)) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
  }
}

const before = (a: Task, b: Task) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
