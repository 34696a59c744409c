/**
 * @packageDocumentation
 * Vue composables for Ferry, with the shape of the React hooks: a record, one field (a writable ref for
 * `v-model`), a live query, sync state and progress, and presence. Each returns a ref that follows Ferry
 * until the component (or effect scope) ends; arguments may be refs or getters.
 */

export { fromStore } from './fromStore.js';
export { useField } from './useField.js';
export { usePresence } from './usePresence.js';
export { useQuery } from './useQuery.js';
export { useRecord } from './useRecord.js';
export { useSyncProgress } from './useSyncProgress.js';
export { useSyncStatus } from './useSyncStatus.js';
