import type { PeerPresence, Presence, PresenceState, RecordHandle } from '@ferry/core';
import { joinPresence, leavePresence } from '../shared/sharedPresence.js';
import { readableFrom, type SharedStore } from './store.js';

const NOBODY: readonly PeerPresence[] = Object.freeze([]);

/** Who else is on a record; `set` shares this client's own state with them. */
export interface PresenceStore extends SharedStore<readonly PeerPresence[]> {
  set(state: PresenceState): void;
}

/**
 * Who else is on a record (their presence states). While the store has subscribers this client is on the
 * record too, sharing `state` (its user's name, the field being edited) and whatever `set` gives later; it
 * leaves when the last subscriber goes. Without a relay, nobody else is ever there.
 */
export function presenceStore(record: RecordHandle, state?: PresenceState): PresenceStore {
  let shared = state;
  let joined: Presence | undefined;
  const store = readableFrom(
    (changed) => {
      joined = joinPresence(record);
      if (!joined) return () => {};
      if (shared !== undefined) joined.set(shared);
      const off = joined.on('change', changed);
      return () => {
        off();
        if (joined) leavePresence(joined);
        joined = undefined;
      };
    },
    () => joined?.others ?? NOBODY,
  );
  return {
    subscribe: store.subscribe,
    get: store.get,
    set(next) {
      shared = next;
      joined?.set(next);
    },
  };
}
