/**
 * @packageDocumentation
 * Svelte stores for Ferry, on Svelte's store contract (`$record` in a component): a record, one field
 * (writable, for `bind:value`), a live query, sync state and progress, and presence. They need nothing
 * from Svelte and work with any code that speaks the same contract.
 */

export { type FieldStore, fieldStore } from '../stores/fieldStore.js';
export { type PresenceStore, presenceStore } from '../stores/presenceStore.js';
export { queryStore } from '../stores/queryStore.js';
export { recordStore } from '../stores/recordStore.js';
export { type Readable, readableFrom, type SharedStore } from '../stores/store.js';
export { syncProgressStore } from '../stores/syncProgressStore.js';
export { syncStatusStore } from '../stores/syncStatusStore.js';
