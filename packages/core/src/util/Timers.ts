/** A timer that was set: cancel it, or let it not keep a Node process alive. */
export interface Timer {
  cancel(): void;
  /** In Node, the process may exit while this timer waits (a no-op elsewhere). Returns the timer. */
  unref(): Timer;
}

/**
 * The clock and timers of the sync paths, in one small interface so that a simulation can run them on
 * simulated time, step by step, from a seed. The default is the real ones (realTimers).
 */
export interface Timers {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  setTimeout(callback: () => void, ms: number): Timer;
  setInterval(callback: () => void, ms: number): Timer;
  /** Runs `callback` once the work already queued in this turn is done (setImmediate in Node). */
  setImmediate(callback: () => void): void;
}

const immediate: (callback: () => void) => void =
  typeof setImmediate === 'function'
    ? (callback) => setImmediate(callback)
    : (callback) => setTimeout(callback, 0);

function realTimer(handle: ReturnType<typeof setTimeout>, clear: (handle: never) => void): Timer {
  const timer: Timer = {
    cancel: () => clear(handle as never),
    unref: () => {
      (handle as { unref?: () => unknown }).unref?.();
      return timer;
    },
  };
  return timer;
}

/** The real clock and timers. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => realTimer(setTimeout(callback, ms), clearTimeout),
  setInterval: (callback, ms) => realTimer(setInterval(callback, ms), clearInterval),
  setImmediate: immediate,
};
