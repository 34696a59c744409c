import * as Y from 'yjs';
import type { FerryClient } from '../client/createFerry.js';

/** The origin of updates applied by mergeReplicas. */
export const FROM_MERGE = Symbol('ferry:merge');

/**
 * Exchanges every replicated document between two clients directly, as a sync would: each side receives
 * exactly what it lacks. For tests of merge behaviour without a relay.
 */
export function mergeReplicas(a: FerryClient, b: FerryClient): void {
  const names = new Set([...a.documents.names(), ...b.documents.names()].filter((n) => !n.startsWith('~')));
  for (const name of names) {
    const docA = a.documents.open(name);
    const docB = b.documents.open(name);
    const toB = Y.encodeStateAsUpdate(docA, Y.encodeStateVector(docB));
    const toA = Y.encodeStateAsUpdate(docB, Y.encodeStateVector(docA));
    Y.applyUpdate(docB, toB, FROM_MERGE);
    Y.applyUpdate(docA, toA, FROM_MERGE);
  }
}
