import { type FerryClient, NO_PROGRESS, type SyncProgress } from '@ferry/core';
import type { ShallowRef } from 'vue';
import { syncProgressStore } from '../stores/syncProgressStore.js';
import { fromStore } from './fromStore.js';

/**
 * How far the client's sync is: `download`, the catch-up sync (records and bytes received of the totals
 * the relay announced), and `upload`, the outbox (records sent and acknowledged of those pending). Each is
 * `undefined` until this client first does one; see SyncProgress.
 */
export function useSyncProgress(client: FerryClient): Readonly<ShallowRef<SyncProgress>> {
  return fromStore(client, (c: FerryClient) => syncProgressStore(c), NO_PROGRESS);
}
