import type { PeerPresence, Presence, PresenceState, RecordHandle } from '@ferry/core';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { joinPresence, leavePresence } from '../shared/sharedPresence.js';
import { noop } from './useRecord.js';

const NOBODY: readonly PeerPresence[] = Object.freeze([]);

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
    const joined = joinPresence(record);
    if (!joined) return;
    setPresence(joined);
    return () => {
      leavePresence(joined);
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
