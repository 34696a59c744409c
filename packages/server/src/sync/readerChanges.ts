import type { CollectionSubscription, Timers } from '@ferry/core';
import * as Y from 'yjs';
import type { AccessCache } from '../auth/AccessCache.js';
import type { Principal } from '../auth/Auth.js';
import type { DocumentHub } from '../documents/DocumentHub.js';
import { viewRecord } from '../documents/RecordView.js';
import { replayLog } from '../documents/replayLog.js';
import { workSlices } from '../workSlices.js';
import { type ReadableChanges, TOO_LARGE } from './readableChangesResult.js';
import type { SyncReply } from './SyncReply.js';

/**
 * Syncs a collection whose read rule the relay indexes: only the records the index names for this
 * principal's key, changed since the subscription's cursor, are read, so the work follows what changed in
 * the principal's scope and not in the collection. A record readable at its latest change is sent whole, as
 * its stored updates (what a subscription's `where` leaves out is not); one that was readable at the cursor
 * and no longer is is named in `hidden`. The cursor reached is the collection's head as read first: later
 * changes arrive live. Returns undefined if the connection closed meanwhile, TOO_LARGE past `maxRecords`.
 */
export async function readerChanges(
  hub: DocumentHub,
  principal: Principal,
  access: AccessCache,
  subscription: CollectionSubscription,
  reply: SyncReply,
  isClosed: () => boolean,
  maxRecords: number,
  timers?: Timers,
): Promise<ReadableChanges | typeof TOO_LARGE | undefined> {
  const { collection, where } = subscription;
  const head = await hub.storage.head(collection);
  const hidden: string[] = [];
  const key = hub.rules.readerKey(collection, principal);
  if (head === '' || key === undefined) return { cursor: head || subscription.cursor, hidden };
  const nextSlice = workSlices(10, timers);
  let cursor = subscription.cursor;
  let decided = 0;
  for (;;) {
    if (isClosed()) return undefined;
    const page = await hub.storage.readersChanges(collection, key, cursor, { limit: 1000, upTo: head });
    for (const { name, readable, updates } of page.items) {
      await nextSlice();
      if (++decided > maxRecords) return TOO_LARGE;
      if (!(await access.canRead(name))) continue;
      if (readable && where === undefined) {
        // The index is the rule: its row says the record, as these updates leave it, is readable.
        for (const update of updates) await reply.add({ name, update });
        continue;
      }
      if (readable) {
        const { doc } = replayLog(updates, (update) => update, name);
        const view = viewRecord(
          collection,
          name.slice(collection.length + 1),
          doc,
          hub.definition(collection),
        );
        const receives = hub.rules.receives(principal, view, where);
        if (receives) await reply.add({ name, update: Y.encodeStateAsUpdate(doc) });
        doc.destroy();
        if (receives) continue;
      }
      if (subscription.cursor === '') continue;
      const then = await hub.viewAt(name, subscription.cursor);
      if (hub.rules.receives(principal, then, where)) hidden.push(name);
    }
    cursor = page.cursor;
    if (!page.more) return { cursor: head, hidden };
  }
}
