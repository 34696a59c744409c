import type { SyncStatus } from '@ferry/core';

/** What a client without a relay reports: nothing to send, nowhere to send it. */
export const LOCAL_ONLY: SyncStatus = Object.freeze({
  connection: 'offline',
  pending: 0,
  lastSyncedAt: undefined,
  error: undefined,
});

/** `client.sync.status` is a new object on every read: UI stores keep the old one while this holds. */
export function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (
    a.connection === b.connection &&
    a.pending === b.pending &&
    a.error === b.error &&
    a.lastSyncedAt?.getTime() === b.lastSyncedAt?.getTime()
  );
}
