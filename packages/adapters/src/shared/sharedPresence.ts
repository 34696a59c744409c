import type { Presence, RecordHandle } from '@ferry/core';
import { FerryError } from '@ferry/core';

/** How many UI users (components, stores) hold each record's presence: the last one to go leaves. */
const users = new WeakMap<Presence, number>();

/** Joins the record's presence for one more user; `undefined` when the client has no relay. */
export function joinPresence(record: RecordHandle): Presence | undefined {
  let presence: Presence;
  try {
    presence = record.presence();
  } catch (error) {
    if (error instanceof FerryError && error.code === 'no-relay') return undefined;
    throw error;
  }
  users.set(presence, (users.get(presence) ?? 0) + 1);
  return presence;
}

/** One user is done with the presence; the record is left when none remain. */
export function leavePresence(presence: Presence): void {
  const left = (users.get(presence) ?? 1) - 1;
  users.set(presence, left);
  if (left === 0) presence.leave();
}
