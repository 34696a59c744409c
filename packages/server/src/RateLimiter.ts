/** A token bucket: `rate` tokens per second, holding at most `burst`. The clock is injectable for tests. */
export class RateLimiter {
  #tokens: number;
  #last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes `count` tokens; false when there are not enough. */
  take(count = 1): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    this.#last = now;
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }
}
