import { CloseCode, realTimers, type Timer, type Timers } from '@ferry/core';
import type { Principal } from './Auth.js';

/** The longest delay setTimeout accepts; a longer one would fire at once, so long waits go in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Ends a connection when its principal's credentials expire (`Principal.expiresAt`). A timer closes it at
 * that moment with TokenExpired; `closeIfExpired()` on every frame received makes sure nothing that arrives
 * later is applied even when the timer runs late (a busy event loop, a clock that jumped).
 *
 * A principal already expired when it was authenticated is refused as Unauthorized instead, so that a client
 * that keeps presenting the same stale token stops rather than reconnecting in a loop.
 */
export class TokenExpiry {
  readonly #expiresAt: number | undefined;
  #timer: Timer | undefined;
  #done = false;

  /** Starts watching; may call `close` at once when the principal has already expired. */
  constructor(
    principal: Principal,
    private readonly now: () => number,
    private readonly close: (code: number, reason: string) => void,
    private readonly timers: Timers = realTimers,
  ) {
    this.#expiresAt = expiryOf(principal);
    if (this.#expiresAt === undefined) return;
    if (this.now() >= this.#expiresAt) {
      this.#done = true;
      close(CloseCode.Unauthorized, 'The token has expired; get a new one.');
      return;
    }
    this.#arm();
  }

  /** Closes with TokenExpired and returns true when the expiry has passed. */
  closeIfExpired(): boolean {
    if (this.#done) return true;
    if (this.#expiresAt === undefined || this.now() < this.#expiresAt) return false;
    this.#expire();
    return true;
  }

  /** Called when the connection closes for any reason. */
  stop(): void {
    this.#done = true;
    this.#timer?.cancel();
  }

  #arm(): void {
    if (this.#done) return;
    const left = this.#expiresAt! - this.now();
    if (left <= 0) {
      this.#expire();
      return;
    }
    this.#timer = this.timers.setTimeout(() => this.#arm(), Math.min(left, MAX_TIMER_MS));
  }

  #expire(): void {
    this.stop();
    this.close(CloseCode.TokenExpired, 'The token expired; reconnect with a fresh one.');
  }
}

/** The expiry in ms, or undefined for never. Anything but a number counts as expired: fail closed. */
function expiryOf(principal: Principal): number | undefined {
  const { expiresAt } = principal;
  if (expiresAt === undefined || expiresAt === Number.POSITIVE_INFINITY) return undefined;
  return typeof expiresAt === 'number' && !Number.isNaN(expiresAt) ? expiresAt : 0;
}
