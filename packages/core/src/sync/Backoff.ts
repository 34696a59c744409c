/**
 * Reconnect delays: exponential with full jitter (a random delay between 0 and the current ceiling), so that
 * many clients cut off at once do not come back at once. The ceiling doubles per failure up to `max`.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly base = 250,
    private readonly max = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.max, this.base * 2 ** this.#attempt);
    this.#attempt++;
    return Math.round(this.random() * ceiling);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
