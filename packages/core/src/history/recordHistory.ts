import { FerryError } from '../errors.js';
import { documentName } from '../ids.js';
import { type HistoryEntry, RELAY_UNREACHABLE, type RelayHistory } from '../sync/RelayHistory.js';
import type { LocalHistory } from './LocalHistory.js';

/**
 * A record's history: the relay's when it answers (every author, the history period), else this device's
 * own changes from the local store, each marked `local`. A relay that answers with an error (no access, no
 * such record) is believed, not worked around.
 */
export async function recordHistory(
  relay: RelayHistory | undefined,
  local: LocalHistory,
  collection: string,
  id: string,
): Promise<HistoryEntry[]> {
  const own = () => local.entries(documentName(collection, id));
  if (!relay) return own();
  try {
    return await relay.changes(collection, id);
  } catch (error) {
    if (error instanceof FerryError && error.code === RELAY_UNREACHABLE) return own();
    throw error;
  }
}
