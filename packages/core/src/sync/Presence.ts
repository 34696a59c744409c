import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { FROM_RELAY } from '../replica/origins.js';
import { Emitter } from '../util/Emitter.js';

/** What one client shares about itself on a record: who it is, what it looks at. Any JSON. */
export type PresenceState = Record<string, unknown>;

export interface PeerPresence {
  /** The peer's Yjs client id on this record. */
  readonly clientId: number;
  readonly state: PresenceState;
}

/**
 * The field of a shared state naming its client's actor (the device, or the user the app named): the tabs of
 * one device share it, so others show them as one.
 */
const ACTOR_FIELD = 'ferry:actor';

/**
 * Who else is on a record, through Yjs awareness: each client sets its own state (name, the field it
 * edits, a caret), sees everyone else's, and disappears for the others when it leaves, closes or goes
 * offline. Each tab of an app is a client of its own; others see the tabs of one actor as one, with the
 * state set most recently, and a tab never sees its own actor's other tabs. Obtain one with
 * `record.presence()`; call `leave()` when the view closes.
 */
export class Presence {
  readonly awareness: Awareness;
  readonly #events = new Emitter<{ change: readonly PeerPresence[] }>();
  #others: readonly PeerPresence[] = [];
  /** The order in which clients last changed their state (not the awareness heartbeat, which repeats it). */
  readonly #changedAt = new Map<number, number>();
  #changes = 0;
  #left = false;

  /** @internal Created by the sync client, which carries the awareness updates. */
  constructor(
    doc: Y.Doc,
    private readonly actor: string,
    private readonly release: (presence: Presence) => void,
  ) {
    this.awareness = new Awareness(doc);
    this.awareness.setLocalState(null);
    this.awareness.on('change', (change: { added: number[]; updated: number[]; removed: number[] }) => {
      for (const id of [...change.added, ...change.updated]) this.#changedAt.set(id, ++this.#changes);
      for (const id of change.removed) this.#changedAt.delete(id);
      this.#others = this.#readOthers();
      this.#events.emit('change', this.#others);
    });
  }

  /** Every other client on this record, with its state. The same array until someone changes. */
  get others(): readonly PeerPresence[] {
    return this.#others;
  }

  get local(): PresenceState | null {
    const shared = this.awareness.getLocalState() as PresenceState | null;
    return shared && withoutActor(shared);
  }

  /** Sets this client's state (replacing the previous one). */
  set(state: PresenceState): void {
    if (!this.#left) this.awareness.setLocalState({ ...state, [ACTOR_FIELD]: this.actor });
  }

  /** Merges fields into this client's state. */
  update(fields: PresenceState): void {
    this.set({ ...(this.local ?? {}), ...fields });
  }

  on(event: 'change', listener: (others: readonly PeerPresence[]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Clears this client's state for everyone and stops following the record's presence. */
  leave(): void {
    if (this.#left) return;
    this.awareness.setLocalState(null);
    this.#left = true;
    this.release(this);
    this.awareness.destroy();
  }

  /** @internal The encoded state of this client (or its removal). */
  encodeLocal(): Uint8Array {
    return encodeAwarenessUpdate(this.awareness, [this.awareness.clientID]);
  }

  /** @internal */
  receive(update: Uint8Array): void {
    applyAwarenessUpdate(this.awareness, update, FROM_RELAY);
  }

  /** @internal The connection is gone: nobody else can be shown as present any more. */
  forgetOthers(): void {
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.awareness.clientID);
    if (others.length > 0) removeAwarenessStates(this.awareness, others, FROM_RELAY);
    // Forget their clocks too, so that their current state is accepted when the relay sends it again.
    for (const id of [...this.awareness.meta.keys()])
      if (id !== this.awareness.clientID) this.awareness.meta.delete(id);
  }

  /** @internal Sends this client's state again with a newer clock: the relay dropped it when we left. */
  announce(): void {
    const local = this.local;
    if (local !== null) this.set(local);
  }

  #readOthers(): readonly PeerPresence[] {
    const anonymous: PeerPresence[] = [];
    /** One entry per actor: the state its tabs set most recently. */
    const byActor = new Map<string, { peer: PeerPresence; at: number }>();
    for (const [clientId, shared] of this.awareness.getStates()) {
      if (clientId === this.awareness.clientID) continue;
      const actor = (shared as PresenceState)[ACTOR_FIELD];
      const peer = { clientId, state: withoutActor(shared as PresenceState) };
      if (typeof actor !== 'string') {
        anonymous.push(peer);
        continue;
      }
      if (actor === this.actor) continue;
      const at = this.#changedAt.get(clientId) ?? 0;
      const seen = byActor.get(actor);
      if (!seen || at > seen.at) byActor.set(actor, { peer, at });
    }
    const others = [...anonymous, ...[...byActor.values()].map((entry) => entry.peer)];
    return Object.freeze(others.sort((a, b) => a.clientId - b.clientId));
  }
}

function withoutActor(shared: PresenceState): PresenceState {
  if (!(ACTOR_FIELD in shared)) return shared;
  const { [ACTOR_FIELD]: _actor, ...state } = shared;
  return state;
}
