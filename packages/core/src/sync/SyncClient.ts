import * as Y from 'yjs';
import { WriteRejectedError } from '../errors.js';
import { isDocumentName } from '../ids.js';
import {
  CloseCode,
  DocumentErrorCode,
  isTransientDocumentError,
  PROTOCOL_VERSION,
  SYNC_PATH,
  shouldReconnect,
} from '../protocol/constants.js';
import {
  type ClientMessage,
  type CollectionSubscription,
  type DocumentSubscription,
  type DocumentUpdate,
  decodeServerMessage,
  encodeClientMessage,
  type FieldEquals,
  type IncompleteItem,
  type RefusedItem,
  type ServerMessage,
  updateEntrySize,
} from '../protocol/messages.js';
import { FrameSequence } from '../protocol/sequence.js';
import { FROM_RELAY, FROM_ROLLBACK } from '../replica/origins.js';
import type { Replica } from '../replica/Replica.js';
import type { TabLeadership } from '../replica/TabLeadership.js';
import { Emitter } from '../util/Emitter.js';
import type { Logger } from '../util/Logger.js';
import { realTimers, type Timer, type Timers } from '../util/Timers.js';
import { Backoff } from './Backoff.js';
import type { Coverage } from './ChangeMarks.js';
import { DevicePresence } from './DevicePresence.js';
import { Followers, type Subscriptions } from './Followers.js';
import { IncompletePushes } from './IncompletePushes.js';
import { Outbox, type RecordSyncStatus } from './Outbox.js';
import { Presence, type PresenceState } from './Presence.js';
import { RelayHistory } from './RelayHistory.js';
import { type RejectedChange, Rollbacks, writeAgain } from './Rollbacks.js';
import { ProgressMeter, type SyncProgress } from './SyncProgress.js';
import { connectionOf, ShownState, type SyncState, sameSyncStatus } from './SyncState.js';
import type { TabLink, TabSyncBody, TabSyncMessage } from './TabSyncMessage.js';
import {
  type Transport,
  type TransportConnection,
  type WebSocketClass,
  webSocketTransport,
} from './Transport.js';

export type ConnectionState = 'online' | 'connecting' | 'offline' | 'unauthorized';

/**
 * How this client reaches the relay among the device's tabs: `leader` holds the device's one connection,
 * a `follower` goes through the leader, and a client `alone` (no Web Locks, tabs off, Node) has its own.
 */
export type TabRole = 'leader' | 'follower' | 'alone';

/** The other tabs of the device, and the election of the one that connects. */
export interface TabSync {
  readonly link: TabLink;
  /** Absent where the browser has no Web Locks: every tab then connects on its own. */
  readonly leadership?: TabLeadership;
}

export interface SyncStatus {
  /** The situation, for people: see SyncState. Work under way shorter than SHOW_WORK_AFTER_MS is not shown. */
  readonly state: SyncState;
  /** The same, coarser, as earlier versions had it: `online` is `syncing` or `synced`. */
  readonly connection: ConnectionState;
  /** When `unreachable`: when the client tries the relay again. */
  readonly nextRetryAt: Date | undefined;
  /** Records with changes the relay has not yet committed. */
  readonly pending: number;
  /** When the client last caught up with the relay. */
  readonly lastSyncedAt: Date | undefined;
  /** Why the client stopped trying, when it did (unauthorized, version mismatch…). */
  readonly error: string | undefined;
}

/**
 * Which records of a collection this client keeps: all, only some ids, only those changed recently, or only
 * those whose fields equal `where` (within what the relay's rules let the user read; a record that stops
 * matching leaves the device, as one the rules hide does).
 */
export type Replication =
  | 'all'
  | 'none'
  | { readonly ids: readonly string[] }
  | { readonly updatedSince: Date | number }
  | { readonly where: FieldEquals };

export interface SyncOptions {
  /** The relay's base URL, `ws://host:port` or `wss://…`; several relay nodes are tried in turn. */
  url: string | readonly string[];
  /**
   * A token, or a function returning one; called on every connect, so it can refresh. When the relay closes
   * a connection because the token expired (4006), the client reconnects at once with the function's next
   * token. A fixed string cannot be refreshed: the client ends `unauthorized` until setToken().
   */
  token?: string | (() => string | Promise<string>);
  /** The WebSocket class (default: the global one; pass `ws` in Node). */
  webSocket?: WebSocketClass;
  /** A custom transport (tests inject faults with it). */
  transport?: Transport;
  /** How often to check the connection is alive (default 15000 ms). */
  heartbeatMs?: number;
  /** How long to wait for an answer before calling the connection dead (default 10000 ms). */
  heartbeatTimeoutMs?: number;
  /** How long a push or subscribe may wait for its answer before the connection is restarted (default 30000 ms). */
  requestTimeoutMs?: number;
  /** Reconnect delay ceiling: doubles from `min` to `max` (default 250 ms to 30 s), with full jitter. */
  backoff?: { min?: number; max?: number };
  /** Start disconnected; call connect() (default false). */
  manual?: boolean;
  /**
   * Where `online` and `offline` events come from (default: the global object in browsers), and `onLine`, the
   * network's state at start (default: `navigator.onLine`; without it, the network is taken to be up).
   * `offline` closes the socket at once, and no connection is attempted until `online`, which retries at once.
   */
  network?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & { readonly onLine?: boolean };
  /** The clock and timers (default: the real ones); a simulation runs them on simulated time. */
  timers?: Timers;
  /** Randomness for reconnect jitter (default Math.random). */
  random?: () => number;
}

export interface SyncEvents {
  status: SyncStatus;
  /** How far the catch-up sync and the outbox upload are (see SyncProgress). */
  progress: SyncProgress;
  /** A record's sync state changed. */
  record: { name: string; status: RecordSyncStatus };
  /**
   * The relay refused a change to a record for good (read-only, forbidden, malformed content): the record is
   * `rejected` and rolled back to what the relay accepted; the change is no longer pending. Also sent, with no
   * change, when the relay refuses to let this client read a document.
   */
  rejected: RejectedChange;
}

interface InFlightPush {
  items: { name: string; carries: Coverage; stateVector: Uint8Array; update: Uint8Array }[];
  sentAt: number;
}

/**
 * Replicates the client's records with a relay over one WebSocket, whatever their number. Local changes are
 * stored first (the outbox), then sent; a record is `saved` only once the relay has committed it. On
 * reconnect, the client sends what the relay may lack and asks for what changed since its cursors: the cost
 * follows what changed, not how much is stored.
 */
export class SyncClient {
  readonly #events = new Emitter<SyncEvents>();
  readonly #outbox: Outbox;
  readonly #transport: Transport;
  readonly #backoff: Backoff;
  readonly #follows = new Map<string, Replication>();
  /** Documents subscribed one by one for subset replication. */
  readonly #documents = new Set<string>();
  /** Documents whose presence this client follows; subscribed one by one too. */
  readonly #presence = new Map<string, Presence>();
  #connection: TransportConnection | undefined;
  /** Numbering of the current connection's frames, both ways. */
  #incoming = new FrameSequence();
  #sentFrames = 0;
  /** The connection as it is; `status.state` shows it to people (see ShownState). */
  #state: ConnectionState = 'offline';
  readonly #shown: ShownState;
  /** The device said it has no network: no connection is attempted. */
  #networkDown = false;
  /** The next attempt, while waiting for it, and what the wait is shown as. */
  #retry: { at: number; as: 'unreachable' | 'connecting' } | undefined;
  /** Follower: the state the leader shows, and its next retry. */
  #leaderState: { state: SyncState; nextRetryAt: number | undefined } | undefined;
  /** The last status event, so that an event means a change. */
  #lastEmitted: SyncStatus | undefined;
  #error: string | undefined;
  #lastSyncedAt: Date | undefined;
  #wanted: boolean;
  #reconnectTimer: Timer | undefined;
  #heartbeat: Timer | undefined;
  #welcomeTimer: Timer | undefined;
  readonly #timers: Timers;
  #lastHeard = 0;
  #maxFrameBytes = 1024 * 1024;
  #nextId = 1;
  #attempts = 0;
  /** Refusals of the token still retried after an expiry (see STALE_TOKEN_RETRIES). */
  #staleTokenRetries = 0;
  /** The `pending` count last reported in a status event. */
  #reportedPending = 0;
  #history: RelayHistory | undefined;
  readonly #inFlight = new Map<number, InFlightPush>();
  /** Subscribe requests not yet fully answered, with the time they were sent. */
  readonly #answering = new Map<number, number>();
  readonly #rollbacks: Rollbacks;
  readonly #incomplete = new IncompletePushes();
  #toPush = new Set<string>();
  #pushScheduled = false;
  #syncedWaiters: (() => void)[] = [];
  #closed = false;
  readonly #removeBrowserListeners: () => void;
  readonly #tabs: TabSync | undefined;
  /** The relay, as the device's tabs name it: tabs of one store may sync with different relays. */
  readonly #scope: string;
  #role: TabRole;
  /** Leader: what each follower subscribed to. */
  readonly #followers: Followers;
  /** Leader: the device's presence on each record, which its tabs set. */
  readonly #devicePresence = new DevicePresence((name, update) => {
    if (this.#role === 'leader' && this.#state === 'online' && this.#subscriptions().documents.has(name))
      this.#send({ type: 'awareness', name, update });
  });
  /** Follower: the number of its last `want`, and the leader's last word on the connection. */
  #wantSeq = 0;
  /** Whether this tab holds its own lock: the leader watches it from its first `want` on. */
  #tabLockHeld = false;
  #leaderSaid: { synced: boolean; wants: Readonly<Record<string, number>> } | undefined;
  #stopListeningToTabs: () => void = () => {};
  /**
   * Records whose refusal this tab has told its app of, until they change again: with a socket per tab,
   * several tabs can be refused the same change, and each tells the others.
   */
  readonly #rejectedShown = new Set<string>();
  /** Counts what a catch-up brings and what the outbox sends; a follower shows its leader's. */
  readonly #progress = new ProgressMeter((progress) => {
    this.#events.emit('progress', progress);
    if (this.#role === 'leader') this.#post({ kind: 'progress', progress });
  });

  constructor(
    private readonly replica: Replica,
    private readonly options: SyncOptions,
    private readonly logger: Logger,
    /** Who this client is: its tabs share their presence as one (see Presence). */
    private readonly actor = 'anonymous',
    tabs?: TabSync,
  ) {
    this.#tabs = tabs;
    this.#timers = options.timers ?? realTimers;
    this.#role = tabs?.leadership ? 'follower' : 'alone';
    this.#followers = new Followers(tabs?.leadership, (tab) => this.#followerGone(tab));
    this.#scope = typeof options.url === 'string' ? options.url : options.url.join(' ');
    this.#transport = options.transport ?? webSocketTransport(options.webSocket);
    this.#backoff = new Backoff(options.backoff?.min, options.backoff?.max, options.random);
    this.#outbox = new Outbox(replica, (name) => {
      const status = this.#outbox.status(name);
      this.#events.emit('record', { name, status });
      if (this.#role !== 'follower' && (status === 'local' || status === 'sent'))
        this.#progress.pending(name);
      if (this.#role !== 'follower' && this.#outbox.size === 0) this.#progress.uploaded();
      // The number of records waiting is part of the status: tell whoever shows it. Another tab's
      // acknowledgement may be what brings it to zero.
      if (this.#outbox.size === this.#reportedPending) return;
      this.#emitStatus();
      if (this.#outbox.size === 0) this.#checkSynced();
    });
    this.#rollbacks = new Rollbacks(replica);
    // Changes made here and changes applied from other tabs: the relay may lack either.
    replica.on('change', ({ name, updates, made, origin }) => {
      if (!made || name.startsWith('~')) return;
      if (origin === FROM_ROLLBACK) {
        this.#outbox.settled(name, made);
        return;
      }
      this.#rejectedShown.delete(name);
      this.#outbox.changed(name, updates, made);
      this.#schedulePush(name);
    });
    this.#removeBrowserListeners = this.#listenToBrowser();
    this.#wanted = !options.manual;
    this.#shown = new ShownState(
      this.#networkDown ? 'offline' : this.#wanted || tabs?.leadership ? 'connecting' : 'stopped',
      () => this.#emitStatus(),
      this.#timers,
    );
    if (tabs) {
      this.#stopListeningToTabs = tabs.link.onMessage((message) => {
        if (message.scope === this.#scope && message.tab !== tabs.link.tab) this.#heard(message);
      });
    }
    if (tabs?.leadership) {
      tabs.leadership.start(
        () => {
          this.#tabLockHeld = true;
          this.#sendWant();
        },
        () => this.#lead(),
      );
    } else if (this.#wanted) this.#connect();
  }

  /** Whether this tab holds the device's connection (`leader`), goes through it, or has its own. */
  get role(): TabRole {
    return this.#role;
  }

  on = this.#events.on.bind(this.#events);

  get status(): SyncStatus {
    const state = this.#shown.shown;
    const nextRetryAt = this.#role === 'follower' ? this.#leaderState?.nextRetryAt : this.#retry?.at;
    return {
      state,
      connection: connectionOf(state),
      nextRetryAt: state === 'unreachable' && nextRetryAt !== undefined ? new Date(nextRetryAt) : undefined,
      pending: this.#outbox.size,
      lastSyncedAt: this.#lastSyncedAt,
      error: this.#error ?? this.#incomplete.stuck,
    };
  }

  /** How far the catch-up sync and the outbox upload are; the `progress` event tells each change. */
  get progress(): SyncProgress {
    return this.#progress.progress;
  }

  statusOf(name: string): RecordSyncStatus {
    return this.#outbox.status(name);
  }

  /** Calls `listener` whenever one record's sync status changes. Returns the unsubscribe function. */
  watchStatus(name: string, listener: (status: RecordSyncStatus) => void): () => void {
    return this.#events.on('record', (change) => {
      if (change.name === name) listener(change.status);
    });
  }

  /** Calls `listener` when the relay refuses a change to one record for good. Returns the unsubscribe function. */
  watchRejected(name: string, listener: (rejected: RejectedChange) => void): () => void {
    return this.#events.on('rejected', (rejected) => {
      if (rejected.name === name) listener(rejected);
    });
  }

  whenSaved(name: string): Promise<void> {
    return this.#outbox.whenSaved(name);
  }

  /**
   * Resolves once connected, every subscription answered, and every local change committed by the relay.
   * Looked at after the caller's synchronous code, so a collection opened just after the call is waited for.
   */
  async whenSynced(): Promise<void> {
    await Promise.resolve();
    if (this.#isSynced()) return;
    return new Promise((resolve) => this.#syncedWaiters.push(resolve));
  }

  /**
   * The presence of a record: who else is on it, and this client's own state. There is one per record per
   * client; `leave()` ends it.
   */
  presence(name: string): Presence {
    const existing = this.#presence.get(name);
    if (existing) return existing;
    const presence = new Presence(this.replica.open(name), this.actor, (left) => {
      if (this.#presence.get(name) !== left) return;
      this.#presence.delete(name);
      if (this.#role === 'follower') this.#sendWant();
      else if (this.#state === 'online' && !this.#subscriptions().documents.has(name)) {
        this.#send({ type: 'unsubscribe', collections: [], documents: [name] });
      }
    });
    presence.awareness.on('update', (_change: unknown, origin: unknown) => {
      if (origin !== 'local') return;
      const state = presence.awareness.getLocalState() as PresenceState | null;
      // With a leader, the tab's state joins the device's, whatever the connection is now.
      if (this.#role === 'follower') this.#post({ kind: 'presence', name, state });
      else if (this.#role === 'leader') this.#devicePresence.set(this.#tabs!.link.tab, name, state);
      else if (this.#state === 'online')
        this.#send({ type: 'awareness', name, update: presence.encodeLocal() });
    });
    this.#presence.set(name, presence);
    if (this.#role === 'follower') this.#sendWant();
    // Subscribed again when a follower's subscription holds it already: the answer says who is there.
    else if (this.#state === 'online' && !this.#documents.has(name)) this.#subscribe([], [name]);
    return presence;
  }

  /** The relay's record history, read over its REST API with this client's token. */
  get history(): RelayHistory {
    this.#history ??= new RelayHistory(
      typeof this.options.url === 'string' ? this.options.url : this.options.url[0]!,
      () => this.currentToken(),
    );
    return this.#history;
  }

  /** The token the next connection would use, for the relay's HTTP endpoints (REST, files). */
  async currentToken(): Promise<string> {
    const source = this.options.token;
    return (typeof source === 'function' ? await source() : source) ?? '';
  }

  /** Replicates a collection (called by client.collection()). */
  follow(collection: string, replication: Replication): void {
    if (replication === 'none') return;
    // A leader may follow it already for another tab.
    const followed = this.#subscriptions().collections.has(collection);
    this.#follows.set(collection, replication);
    const documents =
      typeof replication === 'object' && 'ids' in replication
        ? replication.ids.map((id) => `${collection}/${id}`)
        : [];
    for (const name of documents) this.#documents.add(name);
    if (this.#role === 'follower') this.#sendWant();
    else if (this.#state === 'online') this.#subscribe(followed ? [] : [collection], documents);
  }

  /**
   * Goes online (after disconnect(), or when created with `manual`). While `unreachable` it tries at once
   * instead of at `nextRetryAt` (a "Retry now" button); while `offline` it waits for the network.
   */
  connect(): void {
    if (this.#closed) return;
    if (this.#role === 'follower') {
      this.#wanted = true;
      this.#post({ kind: 'connect', wanted: true });
      return;
    }
    this.#wanted = true;
    this.#error = undefined;
    if (!this.#connection) {
      this.#backoff.reset();
      this.#connect();
    }
  }

  /** Stops syncing (`stopped`) until connect(). Local work carries on; changes wait in the outbox. */
  disconnect(): void {
    if (this.#role === 'follower') {
      this.#wanted = false;
      this.#post({ kind: 'connect', wanted: false });
      return;
    }
    this.#goOffline();
  }

  #goOffline(): void {
    this.#wanted = false;
    this.#reconnectTimer?.cancel();
    this.#retry = undefined;
    this.#connection?.close(1000, 'client went offline');
    this.#setState('offline');
  }

  /** Uses a new token from the next connection on; after an auth failure, reconnects with it. */
  setToken(token: SyncOptions['token']): void {
    this.options.token = token;
    if (this.#state === 'unauthorized') this.connect();
  }

  close(): void {
    if (this.#closed) return;
    for (const presence of [...this.#presence.values()]) presence.leave();
    this.#goOffline();
    this.#closed = true;
    this.#shown.close();
    this.#removeBrowserListeners();
    this.#stopListeningToTabs();
    this.#followers.close();
    this.#devicePresence.close();
    // The next tab in line takes the device's connection over.
    this.#tabs?.leadership?.close();
  }

  // --- the device's tabs -------------------------------------------------------------------------------

  /** This tab got the leader lock: it holds the device's connection from now on. */
  #lead(): void {
    if (this.#closed) return;
    this.#role = 'leader';
    this.#tabs?.link.shareRelayed(true);
    this.#leaderSaid = undefined;
    // The previous leader may or may not have sent what this tab holds: everything pending goes whole.
    this.#outbox.unsent();
    for (const [name, presence] of this.#presence) {
      presence.forgetOthers();
      const state = presence.awareness.getLocalState() as PresenceState | null;
      this.#devicePresence.set(this.#tabs!.link.tab, name, state);
    }
    this.#state = 'offline';
    // The followers answer with their subscriptions and presence.
    this.#post({ kind: 'leader' });
    if (this.#wanted) void this.#connect();
    else this.#emitStatus();
  }

  #heard(message: TabSyncMessage): void {
    switch (message.kind) {
      case 'want':
        if (this.#role === 'leader') this.#followerWants(message);
        return;
      case 'leader':
        if (this.#role === 'follower') {
          this.#leaderSaid = undefined;
          // What the previous leader had in flight is sent again by this one.
          this.#outbox.unsent();
          this.#sendWant();
          for (const [name, presence] of this.#presence) {
            const state = presence.awareness.getLocalState() as PresenceState | null;
            if (state !== null) this.#post({ kind: 'presence', name, state });
          }
        }
        return;
      case 'sent':
        if (this.#role !== 'follower') return;
        for (const [name, carries] of message.records) this.#outbox.sent(name, new Map(carries));
        return;
      case 'status':
        if (this.#role === 'follower') this.#leaderSays(message);
        return;
      case 'presence':
        if (this.#role === 'leader') this.#devicePresence.set(message.tab, message.name, message.state);
        return;
      case 'awareness':
        if (this.#role === 'follower') this.#presence.get(message.name)?.receive(message.update);
        return;
      case 'refused':
        this.#outbox.rejectedElsewhere(
          message.name,
          new WriteRejectedError(message.name, message.code, message.message),
        );
        return;
      case 'rejected':
        this.#rejectedElsewhere(message);
        return;
      case 'hidden':
        for (const name of message.names) this.#hidden(name);
        return;
      case 'progress':
        if (this.#role === 'follower') this.#progress.adopt(message.progress);
        return;
      case 'connect':
        if (this.#role !== 'leader') return;
        if (message.wanted) this.connect();
        else this.disconnect();
        return;
    }
  }

  /** Every subscription of the device's tabs: the leader subscribes to all of them. */
  #subscriptions(): Subscriptions {
    return this.#followers.union({
      collections: this.#follows,
      documents: new Set([...this.#documents, ...this.#presence.keys()]),
    });
  }

  #replicationOf(collection: string): Replication | undefined {
    return this.#follows.get(collection) ?? this.#subscriptions().collections.get(collection);
  }

  #followerWants(message: Extract<TabSyncMessage, { kind: 'want' }>): void {
    const before = this.#subscriptions();
    const fresh = this.#followers.want(message.tab, message.seq, {
      collections: new Map(message.collections),
      documents: new Set(message.documents),
    });
    // A document new to this follower is asked for again even when subscribed already: the relay's answer
    // says who is present there, which the follower has not heard.
    this.#resubscribe(before, fresh);
    // Tells the follower its subscriptions are in, and how the connection is.
    this.#emitStatus();
  }

  #followerGone(tab: string): void {
    const before = this.#subscriptions();
    const known = this.#followers.forget(tab);
    // Collections only that tab wanted go first: whoever sees its presence leave knows that the relay no
    // longer sends them here. Its documents go after its presence, which the relay takes only on documents
    // subscribed.
    if (known) this.#resubscribe(before, [], { documents: false });
    this.#devicePresence.forget(tab);
    if (!known) return;
    this.#resubscribe({ ...before, collections: this.#subscriptions().collections });
    this.#emitStatus();
  }

  /** Subscribes to what the device's tabs want now and did not before; unsubscribes what none wants. */
  #resubscribe(before: Subscriptions, again: readonly string[] = [], { documents = true } = {}): void {
    if (this.#state !== 'online') return;
    const after = this.#subscriptions();
    const added = [...after.collections.keys()].filter((c) => !before.collections.has(c));
    const addedDocuments = [
      ...new Set([...after.documents].filter((d) => !before.documents.has(d)).concat(again)),
    ];
    this.#subscribe(added, addedDocuments);
    const removed = [...before.collections.keys()].filter((c) => !after.collections.has(c));
    const removedDocuments = documents ? [...before.documents].filter((d) => !after.documents.has(d)) : [];
    if (removed.length > 0 || removedDocuments.length > 0)
      this.#send({ type: 'unsubscribe', collections: removed, documents: removedDocuments });
  }

  /** A follower's subscriptions, all of them, for the leader. */
  #sendWant(): void {
    if (this.#role !== 'follower' || this.#closed || !this.#tabLockHeld) return;
    this.#post({
      kind: 'want',
      seq: ++this.#wantSeq,
      collections: [...this.#follows],
      documents: [...new Set([...this.#documents, ...this.#presence.keys()])],
    });
  }

  #leaderSays(message: Extract<TabSyncMessage, { kind: 'status' }>): void {
    const was = this.#state;
    this.#leaderSaid = { synced: message.synced, wants: message.wants };
    this.#error = message.error;
    if (message.lastSyncedAt !== undefined) this.#lastSyncedAt = new Date(message.lastSyncedAt);
    this.#state = message.connection;
    this.#leaderState = { state: message.state, nextRetryAt: message.nextRetryAt };
    if (was === 'online' && message.connection !== 'online') {
      this.#outbox.unsent();
      this.#rejectedShown.clear();
      for (const presence of this.#presence.values()) presence.forgetOthers();
    }
    this.#emitStatus();
    this.#checkSynced();
  }

  /** Another tab heard the relay refuse a change (or a read): this tab tells the same. */
  #rejectedElsewhere(message: Extract<TabSyncMessage, { kind: 'rejected' }>): void {
    const { name, code, change, attempted } = message;
    this.#showRejected({
      name,
      code,
      message: message.message,
      change,
      attempted,
      retry: () => {
        const doc = this.replica.get(name);
        if (doc && attempted) writeAgain(doc, attempted);
      },
      discard: () => {},
    });
  }

  /** Tells this tab and the others that the relay refused a change. */
  #reject(rejected: RejectedChange): void {
    this.#showRejected(rejected);
    const { name, code, message, change, attempted } = rejected;
    this.#post({ kind: 'rejected', name, code, message, change, attempted });
  }

  #showRejected(rejected: RejectedChange): void {
    if (this.#rejectedShown.has(rejected.name)) return;
    this.#rejectedShown.add(rejected.name);
    this.#events.emit('rejected', rejected);
  }

  #post(body: TabSyncBody): void {
    const link = this.#tabs?.link;
    link?.post({ ...body, scope: this.#scope, tab: link.tab } as TabSyncMessage);
  }

  // --- connection --------------------------------------------------------------------------------------

  async #connect(): Promise<void> {
    if (this.#closed || this.#connection || this.#role === 'follower') return;
    this.#reconnectTimer?.cancel();
    if (this.#networkDown) {
      // No attempt while the device has no network: the `online` event brings the client back.
      this.#retry = undefined;
      this.#setState('offline');
      return;
    }
    this.#setState('connecting');
    let token: string;
    try {
      const source = this.options.token;
      token = (typeof source === 'function' ? await source() : source) ?? '';
    } catch (error) {
      this.logger.warn({ err: error }, 'could not get a token; retrying');
      this.#retryLater();
      return;
    }
    if (!this.#wanted || this.#connection || this.#networkDown) return;
    // With several nodes, each attempt goes to the next one: a dead node is left behind at once.
    const urls = typeof this.options.url === 'string' ? [this.options.url] : this.options.url;
    const url = urls[this.#attempts++ % urls.length]!.replace(/\/+$/, '') + SYNC_PATH;
    this.#incoming = new FrameSequence();
    this.#sentFrames = 0;
    const connection = this.#transport.connect(url, {
      open: () => this.#send({ type: 'hello', version: PROTOCOL_VERSION, token }, connection),
      message: (frame) => this.#receive(frame, connection),
      close: (code, reason) => this.#closedBy(connection, code, reason),
    });
    this.#connection = connection;
    // A relay that never welcomes us (a half-open socket, a lost Hello) must not keep us `connecting`.
    const welcomeTimeout = this.#timers.setTimeout(() => {
      if (this.#connection === connection && this.#state !== 'online') {
        connection.close(CloseCode.Timeout, 'The relay did not answer in time.');
      }
    }, this.options.heartbeatTimeoutMs ?? 10_000);
    this.#welcomeTimer = welcomeTimeout;
  }

  #closedBy(connection: TransportConnection, code: number, reason: string): void {
    if (this.#connection !== connection) return;
    const wasOnline = this.#state === 'online';
    this.#connection = undefined;
    this.#retry = undefined;
    this.#heartbeat?.cancel();
    this.#welcomeTimer?.cancel();
    this.#inFlight.clear();
    this.#answering.clear();
    this.#progress.interrupted();
    this.#rollbacks.clear();
    this.#outbox.unsent();
    // A refusal heard again on the next connection (a document this client may not read) is told again.
    this.#rejectedShown.clear();
    for (const presence of this.#presence.values()) presence.forgetOthers();
    this.logger.info({ code, reason }, 'disconnected from the relay');
    if (!this.#wanted || this.#networkDown) {
      this.#setState('offline');
      return;
    }
    if (code === CloseCode.TokenExpired) {
      // At once, with a fresh token from the token function: the relay applied nothing sent after expiry, so
      // whatever was unacknowledged goes again on the next connection.
      this.#staleTokenRetries = STALE_TOKEN_RETRIES;
      this.#backoff.reset();
      void this.#connect();
      return;
    }
    if (code === CloseCode.Unauthorized && this.#staleTokenRetries > 0) {
      // Right after an expiry a token function may still hand out the old token (its clock is behind).
      this.#staleTokenRetries--;
      this.#retryLater('connecting');
      return;
    }
    if (code === CloseCode.Unauthorized) {
      this.#wanted = false;
      this.#error = reason || 'The relay refused the token.';
      this.#setState('unauthorized');
      return;
    }
    if (!shouldReconnect(code)) {
      this.#wanted = false;
      this.#error = reason || `The relay closed the connection (${code}).`;
      this.#setState('offline');
      return;
    }
    // A connection that was up and dropped is not yet a relay out of reach: the wait shows as reconnecting.
    this.#retryLater(wasOnline ? 'connecting' : 'unreachable');
  }

  #retryLater(as: 'unreachable' | 'connecting' = 'unreachable'): void {
    this.#reconnectTimer?.cancel();
    const delay = this.#backoff.next();
    this.#retry = { at: this.#timers.now() + delay, as };
    this.#reconnectTimer = this.#timers.setTimeout(() => void this.#connect(), delay);
    this.#setState('offline');
  }

  #startHeartbeat(connection: TransportConnection): void {
    const every = this.options.heartbeatMs ?? 15_000;
    const timeout = this.options.heartbeatTimeoutMs ?? 10_000;
    this.#heartbeat?.cancel();
    const requestTimeout = this.options.requestTimeoutMs ?? 30_000;
    let lastTick = this.#timers.now();
    this.#heartbeat = this.#timers.setInterval(() => {
      if (this.#connection !== connection) return;
      const now = this.#timers.now();
      // A tick this late means this side could not listen (a page busy applying a large first sync, a device
      // asleep): the relay's silence meanwhile proves nothing. This tick's ping decides.
      if (now - lastTick > every + timeout) {
        this.#lastHeard = now;
        this.#stillWorkedOn();
      }
      lastTick = now;
      if (now - this.#lastHeard > every + timeout) {
        connection.close(CloseCode.Timeout, 'No answer from the relay.');
        return;
      }
      // An answer that never came (lost on the way) would leave records `sent` forever: start over.
      const oldest = Math.min(
        ...[...this.#inFlight.values()].map((p) => p.sentAt),
        ...this.#answering.values(),
      );
      if (now - oldest > requestTimeout) {
        connection.close(CloseCode.Timeout, 'A request to the relay went unanswered.');
        return;
      }
      this.#send({ type: 'ping', id: this.#nextId++ });
    }, every);
  }

  // --- receiving ---------------------------------------------------------------------------------------

  #receive(frame: Uint8Array, connection: TransportConnection): void {
    if (this.#connection !== connection) return;
    this.#lastHeard = this.#timers.now();
    let message: ServerMessage;
    try {
      const decoded = decodeServerMessage(frame);
      const order = this.#incoming.accept(decoded.seq);
      if (order === 'duplicate') return;
      if (order === 'gap') {
        connection.close(CloseCode.OutOfSequence, 'A frame from the relay was lost on the way.');
        return;
      }
      message = decoded.message;
    } catch (error) {
      this.logger.error({ err: error }, 'malformed frame from the relay');
      connection.close(CloseCode.BadFrame, 'malformed frame');
      return;
    }
    switch (message.type) {
      case 'welcome':
        this.#welcomeTimer?.cancel();
        this.#maxFrameBytes = message.maxFrameBytes;
        this.#backoff.reset();
        this.#staleTokenRetries = 0;
        this.#retry = undefined;
        // Told once the subscriptions are asked for: online with nothing asked yet would read as synced.
        this.#state = 'online';
        this.#startHeartbeat(connection);
        {
          const wanted = this.#subscriptions();
          this.#subscribe([...wanted.collections.keys()], [...wanted.documents]);
        }
        this.#incomplete.reset();
        for (const name of this.#outbox.pending()) this.#toPush.add(name);
        this.#schedulePush();
        for (const presence of this.#presence.values()) presence.announce();
        if (this.#role === 'leader') this.#devicePresence.announce();
        this.#emitStatus();
        // Nothing to ask for and nothing to send: caught up already.
        this.#checkSynced();
        return;
      case 'sync':
        if (this.#rollbacks.receive(message.id, message.items)) {
          if (message.done) this.#rolledBack(message.id, message.stateVectors);
          return;
        }
        this.#apply(message.items);
        this.#progress.received(message.id, message.items);
        // The time this side spent applying it is not the relay's silence.
        this.#lastHeard = this.#timers.now();
        if (message.done) this.#answered(message.id, message.cursors);
        return;
      case 'progress':
        this.#progress.announced(message.id, message.records, message.bytes);
        return;
      case 'updates':
        this.#apply(message.items);
        return;
      case 'cursor':
        this.#outbox.cursors.set(
          cursorKey(message.collection, this.#replicationOf(message.collection)),
          message.cursor,
        );
        return;
      case 'ack':
        this.#acknowledged(message.id, message.refused, message.incomplete);
        return;
      case 'document-error':
        this.logger.warn({ document: message.name, code: message.code }, message.message);
        if (message.code !== DocumentErrorCode.Forbidden) return;
        // A rollback's own question: the rollback reports the refusal.
        if (this.#rollbacks.unreadable(message.name)) return;
        this.#reject({
          name: message.name,
          code: message.code,
          message: message.message,
          change: undefined,
          attempted: undefined,
          retry: () => {},
          discard: () => {},
        });
        return;
      case 'hidden':
        for (const name of message.names) this.#hidden(name);
        this.#post({ kind: 'hidden', names: message.names });
        return;
      case 'awareness':
        this.#presence.get(message.name)?.receive(message.update);
        // The device's other tabs see others' presence through this connection.
        if (this.#role === 'leader')
          this.#post({ kind: 'awareness', name: message.name, update: message.update });
        return;
      case 'pong':
        // The relay answers pings at once, after every frame it sent before: requests still unanswered are
        // being worked on (a first sync of many records takes minutes on a slow relay), not lost.
        this.#stillWorkedOn();
        return;
    }
  }

  #stillWorkedOn(): void {
    const now = this.#timers.now();
    for (const id of this.#answering.keys()) this.#answering.set(id, now);
    for (const push of this.#inFlight.values()) push.sentAt = now;
  }

  /**
   * The relay's rules no longer let this user read the record: its changes the relay does not hold can never
   * be sent (whoever waits for them gets a WriteRejectedError), and the record leaves the device.
   */
  #hidden(name: string): void {
    if (!isDocumentName(name)) return;
    this.#toPush.delete(name);
    if (this.#outbox.has(name))
      this.#outbox.rejected(
        name,
        new WriteRejectedError(name, DocumentErrorCode.Forbidden, 'You may no longer read this record.'),
      );
    void this.replica.forget(name);
  }

  #apply(items: readonly DocumentUpdate[]): void {
    for (const [name, updates] of byDocument(items)) {
      try {
        this.replica.applyRemote(name, updates, FROM_RELAY);
      } catch (error) {
        this.logger.error({ err: error, document: name }, 'could not apply an update from the relay');
        continue;
      }
      if (this.#outbox.status(name) === 'rejected') this.#rollbacks.relayed(name, updates);
      else this.#rollbacks.forget(name);
      this.#outbox.inSyncWithServer(name, this.replica.get(name)!);
    }
  }

  #answered(id: number, cursors: readonly { collection: string; cursor: string }[]): void {
    // Cursors are stored after the updates they cover: the store writes them in the same flush or later.
    for (const { collection, cursor } of cursors)
      this.#outbox.cursors.set(cursorKey(collection, this.#replicationOf(collection)), cursor);
    this.#answering.delete(id);
    this.#progress.answered(id);
    this.#checkSynced();
  }

  #acknowledged(
    id: number,
    refused: readonly RefusedItem[],
    incomplete: readonly IncompleteItem[] = [],
  ): void {
    const push = this.#inFlight.get(id);
    if (!push) return;
    this.#inFlight.delete(id);
    const refusedNames = new Map(refused.map((r) => [r.name, r]));
    const unsaved = new Set([...refusedNames.keys(), ...incomplete.map((item) => item.name)]);
    this.#progress.acknowledged(push.items.filter((item) => !unsaved.has(item.name)));
    this.#outbox.transact(() => {
      for (const item of push.items) {
        if (unsaved.has(item.name)) continue;
        this.#outbox.saved(item.name, item.carries, item.stateVector);
        this.#incomplete.saved(item.name);
      }
    });
    // Not refused: sent again at once as a diff from the relay's state vector (see IncompletePushes).
    const carries = (name: string) => push.items.find((item) => item.name === name)?.carries;
    for (const name of this.#incomplete.answered(this.#outbox, incomplete, carries)) this.#toPush.add(name);
    const rejected: (RefusedItem & { change: Uint8Array | undefined })[] = [];
    for (const refusal of refused) {
      this.logger.warn({ document: refusal.name, code: refusal.code }, refusal.message);
      this.#outbox.retry(refusal.name);
      if (!isTransientDocumentError(refusal.code)) {
        const change = push.items.find((item) => item.name === refusal.name)?.update;
        rejected.push({ ...refusal, change });
        continue;
      }
      // The relay could not load or store it just now: try again a little later.
      this.#toPush.add(refusal.name);
      this.#timers.setTimeout(() => this.#schedulePush(), TRANSIENT_RETRY_MS);
    }
    if (rejected.length > 0) this.#rollBack(rejected);
    this.#checkSynced();
    this.#emitStatus();
    if (this.#toPush.size > 0) this.#schedulePush();
  }

  /** Asks the relay for the accepted state of records it refused for good; see Rollbacks. */
  #rollBack(refusals: (RefusedItem & { change: Uint8Array | undefined })[]): void {
    // In requests of a bounded size: a backlog refused at once stays far below the relay's per-connection
    // limit of documents subscribed by name, each request's are unsubscribed once answered.
    for (let start = 0; start < refusals.length; start += ROLLBACKS_PER_REQUEST) {
      const id = this.#nextId++;
      const names = this.#rollbacks.start(id, refusals.slice(start, start + ROLLBACKS_PER_REQUEST));
      this.#answering.set(id, this.#timers.now());
      const documents = names.map((name) => ({ name, stateVector: EMPTY_STATE_VECTOR }));
      this.#send({ type: 'subscribe', id, collections: [], documents });
    }
  }

  #rolledBack(id: number, answered: readonly DocumentSubscription[]): void {
    const again = this.#rollbacks.finish(
      id,
      new Set(answered.map((d) => d.name)),
      ({ name, code, message }) => {
        // Before the marks go: a tab waiting for them to be saved learns why they leave the outbox.
        this.#post({ kind: 'refused', name, code, message });
        this.#outbox.rejected(name, new WriteRejectedError(name, code, message));
      },
      (rejected) => this.#reject(rejected),
    );
    // Subscribed only to be answered: live updates keep coming through the collection (or not at all).
    const wanted = this.#subscriptions().documents;
    const done = answered.map((d) => d.name).filter((name) => !wanted.has(name));
    if (done.length > 0) this.#send({ type: 'unsubscribe', collections: [], documents: done });
    for (const name of again) this.#toPush.add(name);
    if (again.length > 0) this.#timers.setTimeout(() => this.#schedulePush(), TRANSIENT_RETRY_MS);
    this.#answering.delete(id);
    this.#checkSynced();
    this.#emitStatus();
  }

  // --- sending -----------------------------------------------------------------------------------------

  #subscribe(collections: string[], documents: string[] = []): void {
    if (collections.length === 0 && documents.length === 0) return;
    const subscriptions: CollectionSubscription[] = [];
    for (const collection of collections) {
      const replication = this.#replicationOf(collection);
      if (!replication || (typeof replication === 'object' && 'ids' in replication)) continue;
      const updatedSince =
        typeof replication === 'object' && 'updatedSince' in replication
          ? new Date(replication.updatedSince).getTime()
          : 0;
      const where = typeof replication === 'object' && 'where' in replication ? replication.where : undefined;
      subscriptions.push({
        collection,
        cursor: this.#outbox.cursors.get(cursorKey(collection, replication)),
        updatedSince,
        where,
      });
    }
    const docs: DocumentSubscription[] = documents.map((name) => ({
      name,
      stateVector: Y.encodeStateVector(this.replica.open(name)),
    }));
    const id = this.#nextId++;
    this.#answering.set(id, this.#timers.now());
    this.#send({ type: 'subscribe', id, collections: subscriptions, documents: docs });
    // Syncing until answered.
    this.#emitStatus();
  }

  #schedulePush(name?: string): void {
    // The leader sends every record the device's outbox marks, whichever tab changed it.
    if (this.#role === 'follower') return;
    if (name) this.#toPush.add(name);
    if (this.#pushScheduled || this.#state !== 'online') return;
    this.#pushScheduled = true;
    // Local first: the change (and its outbox entry) reaches the local store before it is sent.
    this.replica
      .flush()
      .catch(() => {})
      .then(() => {
        this.#pushScheduled = false;
        this.#push();
      });
  }

  #push(): void {
    if (this.#state !== 'online' || this.#toPush.size === 0) return;
    const names = [...this.#toPush];
    this.#toPush.clear();
    let items: DocumentUpdate[] = [];
    let meta: InFlightPush['items'] = [];
    let bytes = 0;
    const flush = () => {
      if (items.length === 0) return;
      const id = this.#nextId++;
      this.#inFlight.set(id, { items: meta, sentAt: this.#timers.now() });
      this.#send({ type: 'push', id, items });
      this.#progress.sent(items);
      for (const item of meta) this.#outbox.sent(item.name, item.carries);
      if (this.#role === 'leader')
        this.#post({ kind: 'sent', records: meta.map((item) => [item.name, [...item.carries]] as const) });
      items = [];
      meta = [];
      bytes = 0;
    };
    for (const [index, name] of names.entries()) {
      // Flow control: a backlog (thousands of records changed offline) goes out a few frames at a time,
      // each new frame when an earlier one is acknowledged, so neither side has to hold all of it.
      if (this.#inFlight.size >= MAX_PUSHES_IN_FLIGHT) {
        for (const rest of names.slice(index)) this.#toPush.add(rest);
        break;
      }
      const doc = this.replica.get(name);
      if (!doc || this.#outbox.status(name) === 'saved') continue;
      const payload = this.#outbox.payload(name, doc);
      const item = { name, update: payload.update };
      const size = updateEntrySize(item);
      if (bytes + size > this.#maxFrameBytes - 1024) flush();
      items.push(item);
      meta.push({ name, carries: payload.carries, stateVector: payload.stateVector, update: payload.update });
      bytes += size;
    }
    flush();
  }

  #send(message: ClientMessage, connection = this.#connection): void {
    if (!connection) return;
    connection.send(encodeClientMessage(message, ++this.#sentFrames));
  }

  // --- status ------------------------------------------------------------------------------------------

  #isSynced(): boolean {
    if (this.#role === 'follower') {
      const said = this.#leaderSaid;
      return (
        this.#state === 'online' &&
        this.#outbox.size === 0 &&
        said?.synced === true &&
        (said.wants[this.#tabs!.link.tab] ?? 0) >= this.#wantSeq
      );
    }
    return (
      this.#state === 'online' &&
      this.#answering.size === 0 &&
      this.#inFlight.size === 0 &&
      this.#outbox.size === 0
    );
  }

  #checkSynced(): void {
    if (!this.#isSynced()) return;
    this.#lastSyncedAt = new Date(this.#timers.now());
    const waiters = this.#syncedWaiters;
    this.#syncedWaiters = [];
    for (const resolve of waiters) resolve();
    this.#emitStatus();
  }

  /** Always tells: the same connection state may be a different situation (a retry planned, or not). */
  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#emitStatus();
  }

  /** The situation as it is, before ShownState decides what people see of it. */
  #actualState(): SyncState {
    if (this.#state === 'online') return this.#isSynced() ? 'synced' : 'syncing';
    if (this.#role === 'follower') return this.#leaderState?.state ?? 'connecting';
    if (this.#networkDown) return 'offline';
    if (this.#state === 'connecting' || this.#state === 'unauthorized') return this.#state;
    return this.#retry?.as ?? 'stopped';
  }

  #emitStatus(): void {
    this.#reportedPending = this.#outbox.size;
    this.#shown.set(this.#actualState());
    const status = this.status;
    if (!this.#lastEmitted || !sameSyncStatus(this.#lastEmitted, status)) {
      this.#lastEmitted = status;
      this.#events.emit('status', status);
    }
    if (this.#role !== 'leader') return;
    this.#post({
      kind: 'status',
      state: status.state,
      nextRetryAt: status.nextRetryAt?.getTime(),
      connection: this.#state,
      error: this.#error ?? this.#incomplete.stuck,
      lastSyncedAt: this.#lastSyncedAt?.getTime(),
      synced: this.#isSynced(),
      wants: this.#followers.acknowledged(),
    });
  }

  #listenToBrowser(): () => void {
    const target = (this.options.network ?? globalThis) as Partial<
      Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
    >;
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
      return () => {};
    }
    const network = this.options.network ?? (globalThis as { navigator?: { onLine?: boolean } }).navigator;
    this.#networkDown = network?.onLine === false;
    const online = () => {
      this.#networkDown = false;
      if (this.#wanted && !this.#connection && this.#role !== 'follower') {
        this.#backoff.reset();
        void this.#connect();
      } else this.#emitStatus();
    };
    const offline = () => {
      this.#networkDown = true;
      this.#reconnectTimer?.cancel();
      this.#retry = undefined;
      if (this.#connection) this.#connection.close(CloseCode.GoingAway, 'the device went offline');
      else if (this.#state === 'connecting' && this.#role !== 'follower') this.#setState('offline');
      else this.#emitStatus();
    };
    target.addEventListener('online', online);
    target.addEventListener('offline', offline);
    return () => {
      target.removeEventListener?.('online', online);
      target.removeEventListener?.('offline', offline);
    };
  }
}

/** How long to wait before sending again a change the relay could not load or store for now. */
const TRANSIENT_RETRY_MS = 1000;

/** After TokenExpired, how many refusals of the next tokens are retried (with backoff) before giving up. */
const STALE_TOKEN_RETRIES = 3;

const EMPTY_STATE_VECTOR = new Uint8Array([0]);

/** Refused records asked for in one rollback request. */
const ROLLBACKS_PER_REQUEST = 500;

/** Push frames waiting for their acknowledgement at any time; more wait in the outbox. */
const MAX_PUSHES_IN_FLIGHT = 4;

/** Cursors are kept per collection and filter: a filtered sync has its own place in the change feed. */
function cursorKey(collection: string, replication: Replication | undefined): string {
  if (typeof replication === 'object' && 'updatedSince' in replication) {
    return `${collection}?updatedSince=${new Date(replication.updatedSince).getTime()}`;
  }
  if (typeof replication === 'object' && 'where' in replication) {
    return `${collection}?where=${JSON.stringify(replication.where)}`;
  }
  return collection;
}

/** A frame's updates grouped by document, in the order they came: each document's are applied together. */
function byDocument(items: readonly DocumentUpdate[]): Map<string, Uint8Array[]> {
  const grouped = new Map<string, Uint8Array[]>();
  for (const { name, update } of items) {
    const updates = grouped.get(name);
    if (updates) updates.push(update);
    else grouped.set(name, [update]);
  }
  return grouped;
}
