import type { FerryClient, RecordHandle, RecordSyncStatus, SyncStatus } from '@ferry/core';
import { useCallback, useRef, useSyncExternalStore } from 'react';
import { LOCAL_ONLY, sameStatus } from '../shared/syncStatus.js';
import { noop } from './useRecord.js';

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
  const sync = client.sync;
  const last = useRef<SyncStatus>(LOCAL_ONLY);
  const subscribe = useCallback(
    (changed: () => void) => {
      if (!sync) return noop;
      if (forRecord) {
        if (!record) return noop;
        // Told of this record's changes only, not filtered out of every record's.
        return sync.watchStatus(record.name, changed);
      }
      // `pending` grows without a `status` event (a record becoming unsent is a `record` event): hear both.
      const offStatus = sync.on('status', changed);
      const offRecord = sync.on('record', changed);
      return () => {
        offStatus();
        offRecord();
      };
    },
    [sync, forRecord, record],
  );
  const snapshot = (): SyncStatus | RecordSyncStatus => {
    if (forRecord) return record && sync ? record.status : 'local';
    if (!sync) return LOCAL_ONLY;
    // `status` is a new object on every read: hand React the same one until something in it changes.
    const next = sync.status;
    if (!sameStatus(last.current, next)) last.current = next;
    return last.current;
  };
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
