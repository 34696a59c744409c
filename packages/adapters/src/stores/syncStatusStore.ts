import type { FerryClient, RecordHandle, RecordSyncStatus, SyncStatus } from '@ferry/core';
import { LOCAL_ONLY, sameStatus } from '../shared/syncStatus.js';
import { readableFrom, type SharedStore } from './store.js';

/**
 * The sync state of the client (`state`: offline, unreachable with `nextRetryAt`, unauthorized, stopped,
 * connecting, syncing or synced; the number of records with unsent changes, last sync, error), or
 * with a record, that record's state: `local` (not sent yet), `sent`, `saved` (committed by the relay) or
 * `rejected` (refused for good and rolled back; see RecordHandle `on('rejected')`).
 */
export function syncStatusStore(client: FerryClient): SharedStore<SyncStatus>;
export function syncStatusStore(client: FerryClient, record: RecordHandle): SharedStore<RecordSyncStatus>;
export function syncStatusStore(
  client: FerryClient,
  record?: RecordHandle,
): SharedStore<SyncStatus> | SharedStore<RecordSyncStatus> {
  const sync = client.sync;
  if (record) {
    return readableFrom(
      // Told of this record's changes only, not filtered out of every record's.
      (changed) => (sync ? sync.watchStatus(record.name, changed) : () => {}),
      () => (sync ? record.status : 'local'),
    );
  }
  let last = LOCAL_ONLY;
  return readableFrom(
    (changed) => {
      if (!sync) return () => {};
      // `pending` grows without a `status` event (a record becoming unsent is a `record` event): hear both.
      const offStatus = sync.on('status', changed);
      const offRecord = sync.on('record', changed);
      return () => {
        offStatus();
        offRecord();
      };
    },
    () => {
      if (!sync) return LOCAL_ONLY;
      const next = sync.status;
      if (!sameStatus(last, next)) last = next;
      return last;
    },
  );
}
