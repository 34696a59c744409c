/**
 * @packageDocumentation
 * Test helpers for relay storage implementations.
 */
export { runServerStorageTests, type ServerStorageFixture } from './runServerStorageTests.js';
