import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { PresenceState } from './Presence.js';

interface RecordPresence {
  readonly awareness: Awareness;
  /** Each tab's state on the record, with the order in which it was set. */
  readonly states: Map<string, { state: PresenceState; at: number }>;
}

/**
 * The device's presence on each record, as the leader tab sends it to the relay: one awareness client for
 * the whole device (a client id of the leader's, new with each leader), holding the state its tabs set most
 * recently. Others show one entry per actor anyway. One client id per device also keeps tabs that come and
 * go, each with a client id of its own, from running into the relay's bound on the client ids one
 * connection may name on a record.
 */
export class DevicePresence {
  readonly #records = new Map<string, RecordPresence>();
  #changes = 0;

  /** `send` gets every awareness update of the device's client, renewals included. */
  constructor(private readonly send: (name: string, update: Uint8Array) => void) {}

  /** Tab `tab` set its state on record `name`; `null` when it left. A renewal of the same state is no change. */
  set(tab: string, name: string, state: PresenceState | null): void {
    const record = this.#record(name);
    const previous = record.states.get(tab);
    if (state === null) {
      if (!previous) return;
      record.states.delete(tab);
    } else {
      if (previous && JSON.stringify(previous.state) === JSON.stringify(state)) return;
      record.states.set(tab, { state, at: ++this.#changes });
    }
    this.#publish(record);
  }

  /** The tab is gone: its states no longer count. */
  forget(tab: string): void {
    for (const record of this.#records.values()) if (record.states.delete(tab)) this.#publish(record);
  }

  /** Sends every state again with newer clocks: the relay dropped them with the previous connection. */
  announce(): void {
    for (const { awareness } of this.#records.values()) {
      const state = awareness.getLocalState();
      if (state !== null) awareness.setLocalState(state);
    }
  }

  close(): void {
    for (const { awareness } of this.#records.values()) awareness.destroy();
    this.#records.clear();
  }

  #record(name: string): RecordPresence {
    const existing = this.#records.get(name);
    if (existing) return existing;
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState(null);
    awareness.on('update', (_change: unknown, origin: unknown) => {
      if (origin === 'local') this.send(name, encodeAwarenessUpdate(awareness, [awareness.clientID]));
    });
    const record: RecordPresence = { awareness, states: new Map() };
    this.#records.set(name, record);
    return record;
  }

  #publish({ awareness, states }: RecordPresence): void {
    let latest: { state: PresenceState; at: number } | undefined;
    for (const entry of states.values()) if (!latest || entry.at > latest.at) latest = entry;
    awareness.setLocalState(latest?.state ?? null);
  }
}
