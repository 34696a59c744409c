import { type FerryClient, NO_PROGRESS, type SyncProgress } from '@ferry/core';
import { useMemo } from 'react';
import { syncProgressStore } from '../stores/syncProgressStore.js';
import { useStore } from './useStore.js';

/**
 * How far the client's sync is: `download`, the catch-up sync (records and bytes received of the totals
 * the relay announced), and `upload`, the outbox (records sent and acknowledged of those pending). Each is
 * `undefined` until this client first does one; see SyncProgress. The component re-renders as it moves.
 */
export function useSyncProgress(client: FerryClient): SyncProgress {
  const store = useMemo(() => syncProgressStore(client), [client]);
  return useStore(store, NO_PROGRESS);
}
