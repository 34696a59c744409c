import type { FerryClient, RecordHandle, RecordSyncStatus, SyncStatus } from '@ferry/core';
import type { MaybeRefOrGetter, ShallowRef } from 'vue';
import { LOCAL_ONLY } from '../shared/syncStatus.js';
import { syncStatusStore } from '../stores/syncStatusStore.js';
import { fromStore } from './fromStore.js';

/**
 * The sync state of the client (`state`: offline, unreachable with `nextRetryAt`, unauthorized, stopped,
 * connecting, syncing or synced; the number of records with unsent changes, last sync, error), or
 * with a record, that record's state: `local` (not sent yet), `sent`, `saved` (committed by the relay) or
 * `rejected` (refused for good and rolled back; see RecordHandle `on('rejected')`).
 */
export function useSyncStatus(client: FerryClient): Readonly<ShallowRef<SyncStatus>>;
export function useSyncStatus(
  client: FerryClient,
  record: MaybeRefOrGetter<RecordHandle | undefined>,
): Readonly<ShallowRef<RecordSyncStatus>>;
export function useSyncStatus(
  client: FerryClient,
  ...forRecord: [] | [MaybeRefOrGetter<RecordHandle | undefined>]
): Readonly<ShallowRef<SyncStatus>> | Readonly<ShallowRef<RecordSyncStatus>> {
  if (forRecord.length === 1) {
    return fromStore(forRecord[0], (record: RecordHandle) => syncStatusStore(client, record), 'local');
  }
  return fromStore(client, (c: FerryClient) => syncStatusStore(c), LOCAL_ONLY);
}
