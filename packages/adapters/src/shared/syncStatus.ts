import { type SyncStatus, sameSyncStatus } from '@ferry/core';

/** What a client without a relay reports: nothing to send, nowhere to send it, and not trying. */
export const LOCAL_ONLY: SyncStatus = Object.freeze({
  state: 'stopped',
  connection: 'offline',
  nextRetryAt: undefined,
  pending: 0,
  lastSyncedAt: undefined,
  error: undefined,
});

/** `client.sync.status` is a new object on every read: UI stores keep the old one while this holds. */
export const sameStatus = sameSyncStatus;
