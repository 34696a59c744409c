import type { CollectionSubscription, Timers } from '@ferry/core';
import type { AccessCache } from '../auth/AccessCache.js';
import type { Principal } from '../auth/Auth.js';
import type { DocumentHub } from '../documents/DocumentHub.js';
import { workSlices } from '../workSlices.js';
import { type ReadableChanges, TOO_LARGE } from './readableChangesResult.js';
import { readerChanges } from './readerChanges.js';
import type { SyncReply } from './SyncReply.js';

/**
 * Syncs a collection whose records are read by rule, or narrowed by the subscription's `where`, from the
 * subscription's cursor. Each record changed
 * since then is decided once, as it is now: sent whole if the principal may read it (the client may have
 * nothing of it, if it just became readable, and a whole record holds every update since the cursor), left
 * out otherwise. A record it may not receive now but could at the cursor is named in `hidden`, for the
 * client to remove; a record it could receive at neither time is never named, so no id leaks. Returns
 * undefined if the connection closed meanwhile, TOO_LARGE past `maxRecords` records decided.
 */
export async function readableChanges(
  hub: DocumentHub,
  principal: Principal,
  access: AccessCache,
  subscription: CollectionSubscription,
  reply: SyncReply,
  isClosed: () => boolean,
  maxRecords: number,
  timers?: Timers,
): Promise<ReadableChanges | typeof TOO_LARGE | undefined> {
  // An indexed rule reads only the principal's records; `updatedSince` needs every record's time, as below.
  if (hub.rules.indexed(subscription.collection) && !subscription.updatedSince)
    return readerChanges(hub, principal, access, subscription, reply, isClosed, maxRecords, timers);
  const decided = new Set<string>();
  const nextSlice = workSlices(10, timers);
  const hidden: string[] = [];
  let cursor = subscription.cursor;
  for (;;) {
    if (isClosed()) return undefined;
    const page = await hub.storage.changes(subscription.collection, cursor, {
      limit: 1000,
      updatedSince: subscription.updatedSince,
      // Each record is sent whole, as it is now: the stored updates themselves are not needed.
      withoutUpdates: true,
    });
    for (const { name } of page.items) {
      await nextSlice();
      if (decided.has(name)) continue;
      decided.add(name);
      if (decided.size > maxRecords) return TOO_LARGE;
      if (!(await access.canRead(name))) continue;
      const record = await hub.snapshot(name);
      const { where } = subscription;
      if (hub.rules.receives(principal, record.view, where)) {
        await reply.add({ name, update: record.wholeState() });
      } else if (subscription.cursor !== '') {
        const then = await hub.viewAt(name, subscription.cursor);
        if (hub.rules.receives(principal, then, where)) hidden.push(name);
      }
    }
    cursor = page.cursor;
    if (!page.more) return { cursor, hidden };
  }
}
