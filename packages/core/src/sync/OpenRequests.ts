import type { Timers } from '../util/Timers.js';

/** Subscribe requests sent and not yet fully answered, with the time each was sent (or last seen worked on). */
export class OpenRequests {
  readonly #sentAt = new Map<number, number>();

  constructor(private readonly timers: Timers) {}

  get size(): number {
    return this.#sentAt.size;
  }

  sent(id: number): void {
    this.#sentAt.set(id, this.timers.now());
  }

  answered(id: number): void {
    this.#sentAt.delete(id);
  }

  /** When the oldest was sent; Infinity when none is open. */
  oldest(): number {
    return Math.min(...this.#sentAt.values());
  }

  /** The relay is still working on them (see RelayLink's heartbeat): their clocks start again. */
  stillWorkedOn(now: number): void {
    for (const id of this.#sentAt.keys()) this.#sentAt.set(id, now);
  }

  clear(): void {
    this.#sentAt.clear();
  }
}
