import type { FerryClient, RecordHandle, RecordSyncStatus, SyncStatus } from '@ferry/core';
import { useMemo } from 'react';
import { LOCAL_ONLY } from '../shared/syncStatus.js';
import { syncStatusStore } from '../stores/syncStatusStore.js';
import { useStore } from './useStore.js';

/**
 * The sync state of the client (`state`: offline, unreachable with `nextRetryAt`, unauthorized, stopped,
 * connecting, syncing or synced; the number of records with unsent changes, last sync, error), or
 * with a record, that record's state: `local` (not sent yet), `sent`, `saved` (committed by the relay) or
 * `rejected` (refused for good and rolled back; see RecordHandle `on('rejected')`).
 * The component re-renders when that state changes.
 */
export function useSyncStatus(client: FerryClient): SyncStatus;
export function useSyncStatus(client: FerryClient, record: RecordHandle | undefined): RecordSyncStatus;
export function useSyncStatus(
  client: FerryClient,
  ...rest: [] | [RecordHandle | undefined]
): SyncStatus | RecordSyncStatus {
  const forRecord = rest.length > 0;
  const record = rest[0];
  const store = useMemo(
    () => (forRecord ? record && syncStatusStore(client, record) : syncStatusStore(client)),
    [client, forRecord, record],
  );
  return useStore<SyncStatus | RecordSyncStatus>(store, forRecord ? 'local' : LOCAL_ONLY);
}
