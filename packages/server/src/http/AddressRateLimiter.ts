import { addressKey } from './addressKey.js';

interface Bucket {
  tokens: number;
  last: number;
}

/**
 * A token bucket per remote address: `rate` tokens a second, at most `burst` held. What one address may open
 * or ask for (WebSocket upgrades, REST requests) however quickly it closes what it opened. A bucket that has
 * filled up again is the same as none, so those are forgotten: memory follows the addresses active within
 * the time a bucket takes to fill (`burst / rate` seconds), not every address ever seen.
 */
export class AddressRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #fillMs: number;
  #lastSweep: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.#fillMs = (burst / rate) * 1000;
    this.#lastSweep = now();
  }

  /** Takes a token for the address: undefined when given, else the seconds until one is there. */
  take(address: string | undefined): number | undefined {
    const now = this.now();
    if (now - this.#lastSweep > this.#fillMs) this.#sweep(now);
    const key = addressKey(address);
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, last: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.last) / 1000) * this.rate);
    bucket.last = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }

  /** Addresses with a bucket (one that is not full again). */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.last >= this.#fillMs) this.#buckets.delete(key);
    }
  }
}
