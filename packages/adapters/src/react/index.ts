/**
 * @packageDocumentation
 * React hooks for Ferry, on `useSyncExternalStore`: a record, one field, a live query, sync state and
 * progress, and presence. A change to one record re-renders only the components that read it.
 */

export { useField, type ValueOf } from './useField.js';
export { usePresence } from './usePresence.js';
export { useQuery } from './useQuery.js';
export { useRecord } from './useRecord.js';
export { useSyncProgress } from './useSyncProgress.js';
export { useSyncStatus } from './useSyncStatus.js';
