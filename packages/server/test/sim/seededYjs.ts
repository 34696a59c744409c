/**
 * Yjs draws each document's client id from lib0's random source, crypto.getRandomValues, bound when lib0 is
 * first loaded. Imported before anything loads Yjs, this makes that source a seeded stream the simulation
 * sets per run (useSeededIds), so that concurrent edits merge in the same order for the same seed. Outside a
 * run it stays the real one.
 */
import { webcrypto } from 'node:crypto';
import type { Random } from '@ferry/core/testing';

const real = webcrypto.getRandomValues.bind(webcrypto);
let source: Random | undefined;

function seededValues<T extends ArrayBufferView | null>(array: T): T {
  if (!source || !array) return real(array as never) as T;
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(source.next() * 256);
  return array;
}

(webcrypto as { getRandomValues: typeof seededValues }).getRandomValues = seededValues;

/** From now on, Yjs client ids come from `random` (undefined: the real source again). */
export function useSeededIds(random: Random | undefined): void {
  source = random;
}

/** Runs `fn` with the real source: documents the simulation makes to check things do not shift the run. */
export function withRealIds<T>(fn: () => T): T {
  const saved = source;
  source = undefined;
  try {
    return fn();
  } finally {
    source = saved;
  }
}
