import type { PeerPresence, PresenceState, RecordHandle } from '@ferry/core';
import { type MaybeRefOrGetter, type ShallowRef, toValue, watch } from 'vue';
import { type PresenceStore, presenceStore } from '../stores/presenceStore.js';
import { fromStore } from './fromStore.js';

const NOBODY: readonly PeerPresence[] = Object.freeze([]);

/**
 * Who else is on a record (their presence states). With `state` (a value, ref or getter), this client shares
 * it with the others while the component is mounted, following its changes, and leaves when the last user
 * of the record's presence goes. Without a relay, nobody else is ever there.
 */
export function usePresence(
  record: MaybeRefOrGetter<RecordHandle | undefined>,
  state?: MaybeRefOrGetter<PresenceState | undefined>,
): Readonly<ShallowRef<readonly PeerPresence[]>> {
  let joined: PresenceStore | undefined;
  const others = fromStore(
    record,
    (current: RecordHandle) => {
      joined = presenceStore(current, toValue(state));
      return joined;
    },
    NOBODY,
  );
  // Compared by content: a getter building a new object each time is not a change.
  watch(
    () => JSON.stringify(toValue(state) ?? null),
    (shared) => {
      if (shared !== 'null') joined?.set(JSON.parse(shared) as PresenceState);
    },
  );
  return others;
}
