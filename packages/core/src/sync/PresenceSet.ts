import type { Replica } from '../replica/Replica.js';
import { DevicePresence } from './DevicePresence.js';
import { Presence, type PresenceState } from './Presence.js';
import type { RelayLink } from './RelayLink.js';
import type { TabRole } from './TabSyncMessage.js';

/** What presence asks of the client that holds it. */
export interface PresenceSetHost {
  role(): TabRole;
  /** This tab's id among the device's tabs (when it has tabs). */
  tab(): string;
  /** Tells the device's other tabs. */
  tellTabs(
    body:
      | { kind: 'presence'; name: string; state: PresenceState | null }
      | { kind: 'awareness'; name: string; update: Uint8Array },
  ): void;
  /** A follower's subscriptions changed: it tells its leader. */
  wantsChanged(): void;
  /** Documents the device's tabs subscribe to, presence included. */
  subscribedDocuments(): ReadonlySet<string>;
  /** Whether this tab subscribes to `name` by name for its records. */
  replicates(name: string): boolean;
  subscribe(documents: string[]): void;
}

/**
 * The presence this client follows, one Presence per record, and (for a leader) the device's presence, which
 * its tabs set: sent to the relay, and others' presence received from it, whichever tab holds the connection.
 */
export class PresenceSet {
  readonly #records = new Map<string, Presence>();
  /** Leader: the device's presence on each record, which its tabs set. */
  readonly #device = new DevicePresence((name, update) => {
    if (
      this.host.role() === 'leader' &&
      this.link.state === 'online' &&
      this.host.subscribedDocuments().has(name)
    )
      this.link.send({ type: 'awareness', name, update });
  });

  constructor(
    private readonly replica: Replica,
    private readonly link: RelayLink,
    /** Who this client is: its tabs share their presence as one (see Presence). */
    private readonly actor: string,
    private readonly host: PresenceSetHost,
  ) {}

  names(): IterableIterator<string> {
    return this.#records.keys();
  }

  /** The presence of a record; one per record per client, until `leave()`. */
  open(name: string): Presence {
    const existing = this.#records.get(name);
    if (existing) return existing;
    const presence = new Presence(this.replica.open(name), this.actor, (left) => {
      if (this.#records.get(name) !== left) return;
      this.#records.delete(name);
      if (this.host.role() === 'follower') this.host.wantsChanged();
      else if (this.link.state === 'online' && !this.host.subscribedDocuments().has(name)) {
        this.link.send({ type: 'unsubscribe', collections: [], documents: [name] });
      }
    });
    presence.awareness.on('update', (_change: unknown, origin: unknown) => {
      if (origin !== 'local') return;
      const state = presence.awareness.getLocalState() as PresenceState | null;
      // With a leader, the tab's state joins the device's, whatever the connection is now.
      const role = this.host.role();
      if (role === 'follower') this.host.tellTabs({ kind: 'presence', name, state });
      else if (role === 'leader') this.#device.set(this.host.tab(), name, state);
      else if (this.link.state === 'online')
        this.link.send({ type: 'awareness', name, update: presence.encodeLocal() });
    });
    this.#records.set(name, presence);
    if (this.host.role() === 'follower') this.host.wantsChanged();
    // Subscribed again when a follower's subscription holds it already: the answer says who is there.
    else if (this.link.state === 'online' && !this.host.replicates(name)) this.host.subscribe([name]);
    return presence;
  }

  /** Presence heard from the relay (or, for a follower, from its leader). */
  received(name: string, update: Uint8Array): void {
    this.#records.get(name)?.receive(update);
  }

  /** Another tab set its presence: it joins the device's. */
  tabSet(tab: string, name: string, state: PresenceState | null): void {
    this.#device.set(tab, name, state);
  }

  /** A tab closed: its presence leaves the device's. */
  tabGone(tab: string): void {
    this.#device.forget(tab);
  }

  /** A new connection: this client's presence, and the device's, go to the relay. */
  announce(): void {
    for (const presence of this.#records.values()) presence.announce();
    if (this.host.role() === 'leader') this.#device.announce();
  }

  /** This tab became the leader: its own presence joins the device's. */
  lead(): void {
    for (const [name, presence] of this.#records) {
      presence.forgetOthers();
      const state = presence.awareness.getLocalState() as PresenceState | null;
      this.#device.set(this.host.tab(), name, state);
    }
  }

  /** A new leader: a follower tells it its presence. */
  tellLeader(): void {
    for (const [name, presence] of this.#records) {
      const state = presence.awareness.getLocalState() as PresenceState | null;
      if (state !== null) this.host.tellTabs({ kind: 'presence', name, state });
    }
  }

  /** The connection ended: who else was there is no longer known. */
  forgetOthers(): void {
    for (const presence of this.#records.values()) presence.forgetOthers();
  }

  leaveAll(): void {
    for (const presence of [...this.#records.values()]) presence.leave();
  }

  close(): void {
    this.#device.close();
  }
}
