/**
 * @packageDocumentation
 * Test helpers for relay storage implementations.
 */

export { type BlobStorageFixture, runBlobStorageTests } from './runBlobStorageTests.js';
export { runServerStorageTests, type ServerStorageFixture } from './runServerStorageTests.js';
