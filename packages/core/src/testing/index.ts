/**
 * @packageDocumentation
 * Test helpers shipped with Ferry: the LocalStorage conformance suite (for vitest), direct replica merging
 * and a seeded PRNG.
 */

export { type FaultCounts, type FaultRates, faultyTransport } from './faultyTransport.js';
export { MemoryLocks } from './MemoryLocks.js';
export { FROM_MERGE, mergeReplicas } from './mergeReplicas.js';
export { type Random, seededRandom, seedFromEnv } from './random.js';
export { type FileStorageFixture, runFileStorageTests } from './runFileStorageTests.js';
export { type LocalStorageFixture, runLocalStorageTests } from './runLocalStorageTests.js';
