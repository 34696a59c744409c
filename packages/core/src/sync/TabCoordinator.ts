import { WriteRejectedError } from '../errors.js';
import type { Followers } from './Followers.js';
import type { Outbox } from './Outbox.js';
import type { PresenceSet } from './PresenceSet.js';
import type { Rejections } from './Rejections.js';
import type { RelayLink } from './RelayLink.js';
import type { ProgressMeter } from './SyncProgress.js';
import type { SyncStatus } from './SyncState.js';
import type { SyncStatusTracker } from './SyncStatusTracker.js';
import type { SyncSubscriptions } from './SyncSubscriptions.js';
import type { TabRole, TabSync, TabSyncBody, TabSyncMessage } from './TabSyncMessage.js';

/** The parts of the client the device's tabs reach. */
export interface TabCoordinatorParts {
  readonly link: RelayLink;
  readonly outbox: Outbox;
  readonly presence: PresenceSet;
  readonly subscriptions: SyncSubscriptions;
  readonly followers: Followers;
  readonly status: SyncStatusTracker;
  readonly progress: ProgressMeter;
  readonly rejections: Rejections;
  /** The app's connect() and disconnect(), which a follower asks its leader for. */
  connect(): void;
  disconnect(): void;
  /** The relay's rules hide these records from this user now. */
  hidden(name: string): void;
}

/**
 * The device's tabs share one connection: the tab holding the leader lock connects and subscribes for all,
 * the others (followers) tell it what they want and show what it says. A client without tabs, or without Web
 * Locks, is `alone` and has its own connection.
 */
export class TabCoordinator {
  role: TabRole;
  /** Follower: the number of its last `want`, and the leader's last word on the connection. */
  #wantSeq = 0;
  /** Whether this tab holds its own lock: the leader watches it from its first `want` on. */
  #tabLockHeld = false;
  #leaderSaid: { synced: boolean; wants: Readonly<Record<string, number>> } | undefined;
  #stopListening: () => void = () => {};
  #closed = false;

  constructor(
    private readonly tabs: TabSync | undefined,
    /** The relay, as the device's tabs name it: tabs of one store may sync with different relays. */
    private readonly scope: string,
  ) {
    this.role = tabs?.leadership ? 'follower' : 'alone';
  }

  /** This tab's id (only asked where there are tabs). */
  get tab(): string {
    return this.tabs!.link.tab;
  }

  /** Starts listening to the other tabs, and (with Web Locks) runs for leader. */
  start(parts: TabCoordinatorParts): void {
    const tabs = this.tabs;
    if (tabs) {
      this.#stopListening = tabs.link.onMessage((message) => {
        if (message.scope === this.scope && message.tab !== tabs.link.tab) this.#heard(message, parts);
      });
    }
    tabs?.leadership?.start(
      () => {
        this.#tabLockHeld = true;
        this.sendWant(parts.subscriptions);
      },
      () => this.#lead(parts),
    );
  }

  post(body: TabSyncBody): void {
    const link = this.tabs?.link;
    link?.post({ ...body, scope: this.scope, tab: link.tab } as TabSyncMessage);
  }

  /** The leader tells its followers how the connection is, and which of their wants it subscribed to. */
  tellStatus(status: SyncStatus, link: RelayLink, synced: boolean, followers: Followers): void {
    if (this.role !== 'leader') return;
    this.post({
      kind: 'status',
      state: status.state,
      nextRetryAt: status.nextRetryAt?.getTime(),
      connection: link.state,
      error: status.error,
      lastSyncedAt: status.lastSyncedAt?.getTime(),
      synced,
      wants: followers.acknowledged(),
    });
  }

  /** A follower: its leader is synced and has subscribed to everything this tab wants. */
  leaderCaughtUp(): boolean {
    const said = this.#leaderSaid;
    return said?.synced === true && (said.wants[this.tab] ?? 0) >= this.#wantSeq;
  }

  /** A follower's subscriptions, all of them, for the leader. */
  sendWant(subscriptions: SyncSubscriptions): void {
    if (this.role !== 'follower' || this.#closed || !this.#tabLockHeld) return;
    const own = subscriptions.own();
    this.post({ kind: 'want', seq: ++this.#wantSeq, ...own });
  }

  close(): void {
    this.#closed = true;
    this.#stopListening();
    // The next tab in line takes the device's connection over.
    this.tabs?.leadership?.close();
  }

  /** This tab got the leader lock: it holds the device's connection from now on. */
  #lead(parts: TabCoordinatorParts): void {
    if (parts.link.closed) return;
    this.role = 'leader';
    this.tabs?.link.shareRelayed(true);
    this.#leaderSaid = undefined;
    // The previous leader may or may not have sent what this tab holds: everything pending goes whole.
    parts.outbox.unsent();
    parts.presence.lead();
    parts.link.state = 'offline';
    // The followers answer with their subscriptions and presence.
    this.post({ kind: 'leader' });
    if (parts.link.wanted) void parts.link.connect();
    else parts.status.emit();
  }

  #heard(message: TabSyncMessage, parts: TabCoordinatorParts): void {
    switch (message.kind) {
      case 'want':
        if (this.role === 'leader') this.#followerWants(message, parts);
        return;
      case 'leader':
        if (this.role === 'follower') {
          this.#leaderSaid = undefined;
          // What the previous leader had in flight is sent again by this one.
          parts.outbox.unsent();
          this.sendWant(parts.subscriptions);
          parts.presence.tellLeader();
        }
        return;
      case 'sent':
        if (this.role !== 'follower') return;
        for (const [name, carries] of message.records) parts.outbox.sent(name, new Map(carries));
        return;
      case 'status':
        if (this.role === 'follower') this.#leaderSays(message, parts);
        return;
      case 'presence':
        if (this.role === 'leader') parts.presence.tabSet(message.tab, message.name, message.state);
        return;
      case 'awareness':
        if (this.role === 'follower') parts.presence.received(message.name, message.update);
        return;
      case 'refused':
        parts.outbox.rejectedElsewhere(
          message.name,
          new WriteRejectedError(message.name, message.code, message.message),
        );
        return;
      case 'rejected':
        parts.rejections.rejectedElsewhere(message);
        return;
      case 'hidden':
        for (const name of message.names) parts.hidden(name);
        return;
      case 'progress':
        if (this.role === 'follower') parts.progress.adopt(message.progress);
        return;
      case 'connect':
        if (this.role !== 'leader') return;
        if (message.wanted) parts.connect();
        else parts.disconnect();
        return;
    }
  }

  #followerWants(message: Extract<TabSyncMessage, { kind: 'want' }>, parts: TabCoordinatorParts): void {
    const before = parts.subscriptions.all();
    const fresh = parts.followers.want(message.tab, message.seq, {
      collections: new Map(message.collections),
      documents: new Set(message.documents),
    });
    // A document new to this follower is asked for again even when subscribed already: the relay's answer
    // says who is present there, which the follower has not heard.
    parts.subscriptions.resubscribe(before, fresh);
    // Tells the follower its subscriptions are in, and how the connection is.
    parts.status.emit();
  }

  /** A follower's tab lock freed: it closed or died. */
  followerGone(tab: string, parts: TabCoordinatorParts): void {
    const subscriptions = parts.subscriptions;
    const before = subscriptions.all();
    const known = parts.followers.forget(tab);
    // Collections only that tab wanted go first: whoever sees its presence leave knows that the relay no
    // longer sends them here. Its documents go after its presence, which the relay takes only on documents
    // subscribed.
    if (known) subscriptions.resubscribe(before, [], { documents: false });
    parts.presence.tabGone(tab);
    if (!known) return;
    subscriptions.resubscribe({ ...before, collections: subscriptions.all().collections });
    parts.status.emit();
  }

  #leaderSays(message: Extract<TabSyncMessage, { kind: 'status' }>, parts: TabCoordinatorParts): void {
    const { link, status } = parts;
    const was = link.state;
    this.#leaderSaid = { synced: message.synced, wants: message.wants };
    link.error = message.error;
    if (message.lastSyncedAt !== undefined) status.lastSyncedAt = new Date(message.lastSyncedAt);
    link.state = message.connection;
    status.leader = { state: message.state, nextRetryAt: message.nextRetryAt };
    if (was === 'online' && message.connection !== 'online') {
      parts.outbox.unsent();
      parts.rejections.clear();
      parts.presence.forgetOthers();
    }
    status.emit();
    status.checkSynced();
  }
}
