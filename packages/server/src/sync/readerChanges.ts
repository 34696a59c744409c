import type { CollectionSubscription } from '@ferry/core';
import type { AccessCache } from '../auth/AccessCache.js';
import type { Principal } from '../auth/Auth.js';
import type { DocumentHub } from '../documents/DocumentHub.js';
import { workSlices } from '../workSlices.js';
import type { ReadableChanges } from './readableChanges.js';
import type { SyncReply } from './SyncReply.js';

/**
 * Syncs a collection whose read rule the relay indexes: only the records the index names for this
 * principal's key, changed since the subscription's cursor, are read, so the work follows what changed in
 * the principal's scope and not in the collection. Each is decided as `readableChanges` decides it: sent
 * whole if readable now; named in `hidden` if it was readable at the cursor and is not now. The cursor
 * reached is the collection's head as read first: later changes arrive live. Returns undefined if the
 * connection closed meanwhile.
 */
export async function readerChanges(
  hub: DocumentHub,
  principal: Principal,
  access: AccessCache,
  subscription: CollectionSubscription,
  reply: SyncReply,
  isClosed: () => boolean,
): Promise<ReadableChanges | undefined> {
  const { collection, where } = subscription;
  const head = await hub.storage.head(collection);
  const hidden: string[] = [];
  const key = hub.rules.readerKey(collection, principal);
  if (head === '' || key === undefined) return { cursor: head || subscription.cursor, hidden };
  const nextSlice = workSlices();
  let cursor = subscription.cursor;
  for (;;) {
    if (isClosed()) return undefined;
    const page = await hub.storage.readersChanges(collection, key, cursor, { limit: 1000, upTo: head });
    for (const { name, readable } of page.items) {
      await nextSlice();
      if (!(await access.canRead(name))) continue;
      if (readable) {
        // Decided as the record is now: a change committed since the head was read may have hidden it.
        const record = await hub.snapshot(name);
        if (hub.rules.receives(principal, record.view, where)) {
          await reply.add({ name, update: record.wholeState() });
          continue;
        }
      }
      if (subscription.cursor === '') continue;
      const then = await hub.viewAt(name, subscription.cursor);
      if (hub.rules.receives(principal, then, where)) hidden.push(name);
    }
    cursor = page.cursor;
    if (!page.more) return { cursor: head, hidden };
  }
}
