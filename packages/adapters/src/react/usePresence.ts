import type { PeerPresence, Presence, PresenceState, RecordHandle } from '@ferry/core';
import { FerryError } from '@ferry/core';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { noop } from './useRecord.js';

const NOBODY: readonly PeerPresence[] = Object.freeze([]);
/** How many mounted components use each presence: the last one to unmount leaves the record. */
const users = new WeakMap<Presence, number>();

/**
 * Who else is on a record (their presence states), re-rendering when that changes. With `state`, this
 * client shares it with the others (its user's name, the field being edited) while the component is
 * mounted, and leaves when the last component using the record's presence unmounts. Without a relay,
 * nobody else is ever there.
 */
export function usePresence(
  record: RecordHandle | undefined,
  state?: PresenceState,
): readonly PeerPresence[] {
  const [presence, setPresence] = useState<Presence>();

  useEffect(() => {
    if (!record) return;
    let joined: Presence;
    try {
      joined = record.presence();
    } catch (error) {
      if (error instanceof FerryError && error.code === 'no-relay') return;
      throw error;
    }
    users.set(joined, (users.get(joined) ?? 0) + 1);
    setPresence(joined);
    return () => {
      const left = (users.get(joined) ?? 1) - 1;
      users.set(joined, left);
      if (left === 0) joined.leave();
      setPresence(undefined);
    };
  }, [record]);

  const shared = state === undefined ? undefined : JSON.stringify(state);
  useEffect(() => {
    if (presence && shared !== undefined) presence.set(JSON.parse(shared) as PresenceState);
  }, [presence, shared]);

  const subscribe = useCallback(
    (changed: () => void) => (presence ? presence.on('change', changed) : noop),
    [presence],
  );
  const snapshot = () => presence?.others ?? NOBODY;
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
