import type { LogEntry } from './ServerStorage.js';

/**
 * Read-only access to a relay's store, for the operator's commands (`ferry inspect`, `ferry export`): what
 * the relay's own storage interface does not offer, records listed by name a page at a time, so a large
 * collection is never held in memory at once.
 */
export interface StoreReader {
  /** Every collection with the number of records it stores (deleted ones included), by name. */
  collections(): Promise<{ collection: string; records: number }[]>;
  /** At most `limit` record names of a collection that sort after `after` ('' for the first), in order. */
  names(collection: string, after: string, limit: number): Promise<string[]>;
  /** A record's stored changes with their cursor, author and time, oldest first. */
  history(name: string): Promise<LogEntry[]>;
  close(): Promise<void>;
}
