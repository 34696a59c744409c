import { realTimers, type Timers } from '@ferry/core';

/**
 * For a loop whose every step may run without waiting for anything (a sync that decides each record of a
 * collection by its content, reading it from the embedded store): call the returned function at each step,
 * and the event loop runs every `sliceMs` of work, so that other clients, /healthz and timers are served
 * between two slices rather than after the whole loop.
 */
export function workSlices(sliceMs = 10, timers: Timers = realTimers): () => Promise<void> {
  let sliceStart = timers.now();
  return async () => {
    if (timers.now() - sliceStart < sliceMs) return;
    await new Promise<void>((resolve) => timers.setImmediate(resolve));
    sliceStart = timers.now();
  };
}
