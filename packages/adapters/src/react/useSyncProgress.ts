import { type FerryClient, NO_PROGRESS, type SyncProgress } from '@ferry/core';
import { useCallback, useSyncExternalStore } from 'react';
import { noop } from './useRecord.js';

/**
 * How far the client's sync is: `download`, the catch-up sync (records and bytes received of the totals
 * the relay announced), and `upload`, the outbox (records sent and acknowledged of those pending). Each is
 * `undefined` until this client first does one; see SyncProgress. The component re-renders as it moves.
 */
export function useSyncProgress(client: FerryClient): SyncProgress {
  const sync = client.sync;
  const subscribe = useCallback(
    (changed: () => void) => (sync ? sync.on('progress', changed) : noop),
    [sync],
  );
  // The progress is a new object only when it changes: React can hold on to it as it is.
  const snapshot = (): SyncProgress => sync?.progress ?? NO_PROGRESS;
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
