/**
 * Runs `action(i)` for i = 0…count-1 at a steady rate, each on its own schedule (start + i / rate), so a
 * slow step does not push every later one back and the rate holds on average.
 */
export async function paced(count: number, perSecond: number, action: (i: number) => void): Promise<void> {
  const start = performance.now();
  const interval = 1000 / perSecond;
  for (let i = 0; i < count; i++) {
    const wait = start + i * interval - performance.now();
    if (wait >= 1) await sleep(wait);
    else await yieldToEventLoop();
    action(i);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets pending I/O run: the next macrotask, after what the event loop has ready. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
