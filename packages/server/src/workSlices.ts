import { setImmediate } from 'node:timers/promises';

/**
 * For a loop whose every step may run without waiting for anything (a sync that decides each record of a
 * collection by its content, reading it from the embedded store): call the returned function at each step,
 * and the event loop runs every `sliceMs` of work, so that other clients, /healthz and timers are served
 * between two slices rather than after the whole loop.
 */
export function workSlices(sliceMs = 10): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await setImmediate();
    sliceStart = performance.now();
  };
}
