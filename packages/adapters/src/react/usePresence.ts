import type { PeerPresence, PresenceState, RecordHandle } from '@ferry/core';
import { useEffect, useMemo } from 'react';
import { presenceStore } from '../stores/presenceStore.js';
import { useStore } from './useStore.js';

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
  const store = useMemo(() => (record ? presenceStore(record) : undefined), [record]);
  const shared = state === undefined ? undefined : JSON.stringify(state);
  useEffect(() => {
    if (store && shared !== undefined) store.set(JSON.parse(shared) as PresenceState);
  }, [store, shared]);
  return useStore(store, NOBODY);
}
