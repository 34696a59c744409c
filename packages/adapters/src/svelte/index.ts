/**
 * @packageDocumentation
 * Svelte stores for Ferry, on Svelte's store contract (`$record` in a component): a record, one field
 * (writable, for `bind:value`), a live query, sync state and presence. They need nothing from Svelte and
 * work with any code that speaks the same contract.
 */

export { type FieldStore, fieldStore } from './fieldStore.js';
export { type PresenceStore, presenceStore } from './presenceStore.js';
export { queryStore } from './queryStore.js';
export { recordStore } from './recordStore.js';
export { type Readable, readableFrom } from './store.js';
export { syncStatusStore } from './syncStatusStore.js';
