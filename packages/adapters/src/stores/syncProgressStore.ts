import { type FerryClient, NO_PROGRESS, type SyncProgress } from '@ferry/core';
import { readableFrom, type SharedStore } from './store.js';

/**
 * How far the client's sync is: `download`, the catch-up sync (records and bytes received of the totals
 * the relay announced), and `upload`, the outbox (records sent and acknowledged of those pending). Each is
 * `undefined` until this client first does one; see SyncProgress.
 */
export function syncProgressStore(client: FerryClient): SharedStore<SyncProgress> {
  const sync = client.sync;
  return readableFrom(
    (changed) => (sync ? sync.on('progress', changed) : () => {}),
    () => sync?.progress ?? NO_PROGRESS,
  );
}
