import { type CollectionSubscription, isCollectionName } from '@ferry/core';
import type { AccessCache } from '../auth/AccessCache.js';
import type { ChangesSize, ServerStorage } from '../storage/ServerStorage.js';

/**
 * What a Subscribe's collections are about to receive, as the store counts it before the answer starts:
 * the client shows it as the total of its progress. Collections the principal may not read, or with bad
 * names, count nothing (they are refused on the way). An estimate by nature: records a rule leaves out, or
 * changes committed while the answer streams, make the answer end a little before or after it.
 */
export async function catchUpSize(
  storage: ServerStorage,
  access: AccessCache,
  collections: readonly CollectionSubscription[],
): Promise<ChangesSize> {
  let records = 0;
  let bytes = 0;
  for (const { collection, cursor, updatedSince } of collections) {
    if (!isCollectionName(collection) || !(await access.canRead(collection))) continue;
    const size = await storage.changesSize(collection, cursor, { updatedSince });
    records += size.records;
    bytes += size.bytes;
  }
  return { records, bytes };
}
