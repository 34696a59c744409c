import { DocumentErrorCode } from '../protocol/constants.js';
import type { ServerMessage } from '../protocol/messages.js';
import { FROM_ROLLBACK } from '../replica/origins.js';
import type { Replica } from '../replica/Replica.js';
import { Emitter } from '../util/Emitter.js';
import { KeyedEmitter } from '../util/KeyedEmitter.js';
import type { Logger } from '../util/Logger.js';
import { realTimers, type Timers } from '../util/Timers.js';
import { Followers } from './Followers.js';
import { OpenRequests } from './OpenRequests.js';
import { Outbox, type RecordSyncStatus } from './Outbox.js';
import type { Presence } from './Presence.js';
import { PresenceSet } from './PresenceSet.js';
import { Rejections } from './Rejections.js';
import { RelayHistory } from './RelayHistory.js';
import { RelayLink } from './RelayLink.js';
import { RemoteChanges } from './RemoteChanges.js';
import type { RejectedChange } from './Rollbacks.js';
import type { Replication, SyncEvents, SyncOptions } from './SyncOptions.js';
import { ProgressMeter, type SyncProgress } from './SyncProgress.js';
import type { SyncStatus } from './SyncState.js';
import { SyncStatusTracker } from './SyncStatusTracker.js';
import { SyncSubscriptions } from './SyncSubscriptions.js';
import { TabCoordinator, type TabCoordinatorParts } from './TabCoordinator.js';
import type { TabRole, TabSync } from './TabSyncMessage.js';
import { Uploader } from './Uploader.js';

export type { Replication, SyncEvents, SyncOptions } from './SyncOptions.js';
export type { ConnectionState, SyncStatus } from './SyncState.js';
export type { TabRole, TabSync } from './TabSyncMessage.js';

/**
 * Replicates the client's records with a relay over one WebSocket, whatever their number. Local changes are
 * stored first (the outbox), then sent; a record is `saved` only once the relay has committed it. On
 * reconnect, the client sends what the relay may lack and asks for what changed since its cursors: the cost
 * follows what changed, not how much is stored.
 *
 * A façade over the parts that do it: the reconnecting link (RelayLink), the uploader (Uploader, over the
 * durable Outbox), the subscriptions and their cursors (SyncSubscriptions), presence (PresenceSet), the
 * status (SyncStatusTracker) and the device's tabs (TabCoordinator). Here they are wired together, and each
 * frame from the relay is handed to the part it concerns.
 */
export class SyncClient {
  readonly #events = new Emitter<SyncEvents>();
  /** Each record's sync status, told only to those watching that record. */
  readonly #recordStatus = new KeyedEmitter<RecordSyncStatus>();
  readonly #rejectedOf = new KeyedEmitter<RejectedChange>();
  readonly #outbox: Outbox;
  readonly #link: RelayLink;
  readonly #requests: OpenRequests;
  readonly #uploader: Uploader;
  readonly #subscriptions: SyncSubscriptions;
  readonly #presence: PresenceSet;
  readonly #status: SyncStatusTracker;
  readonly #tabs: TabCoordinator;
  readonly #rejections: Rejections;
  readonly #parts: TabCoordinatorParts;
  readonly #remote: RemoteChanges;
  readonly #timers: Timers;
  #history: RelayHistory | undefined;
  /** Counts what a catch-up brings and what the outbox sends; a follower shows its leader's. */
  readonly #progress = new ProgressMeter((progress) => {
    this.#events.emit('progress', progress);
    if (this.#tabs.role === 'leader') this.#tabs.post({ kind: 'progress', progress });
  });

  constructor(
    replica: Replica,
    private readonly options: SyncOptions,
    private readonly logger: Logger,
    /** Who this client is: its tabs share their presence as one (see Presence). */
    actor = 'anonymous',
    tabs?: TabSync,
  ) {
    const timers = options.timers ?? realTimers;
    this.#timers = timers;
    const role = () => this.#tabs.role;
    this.#tabs = new TabCoordinator(
      tabs,
      typeof options.url === 'string' ? options.url : options.url.join(' '),
    );
    const followers = new Followers(tabs?.leadership, (tab) => this.#tabs.followerGone(tab, this.#parts));
    this.#link = new RelayLink(options, timers, logger, {
      isFollower: () => role() === 'follower',
      welcomed: () => this.#welcomed(),
      received: (message) => this.#receive(message),
      dropped: () => this.#dropped(),
      stateChanged: () => this.#status.emit(),
      stillWorkedOn: () => this.#stillWorkedOn(),
      oldestRequest: () => Math.min(this.#requests.oldest(), this.#uploader.oldest()),
    });
    this.#requests = new OpenRequests(timers);
    this.#outbox = new Outbox(replica, (name) => {
      const status = this.#outbox.status(name);
      this.#events.emit('record', { name, status });
      this.#recordStatus.emit(name, status);
      if (role() !== 'follower' && (status === 'local' || status === 'sent')) this.#progress.pending(name);
      if (role() !== 'follower' && this.#outbox.size === 0) this.#progress.uploaded();
      // Another tab's acknowledgement may be what brings the number of records waiting to zero.
      this.#status.pendingChanged();
    });
    this.#presence = new PresenceSet(replica, this.#link, actor, {
      role,
      tab: () => this.#tabs.tab,
      tellTabs: (body) => this.#tabs.post(body),
      wantsChanged: () => this.#tabs.sendWant(this.#subscriptions),
      subscribedDocuments: () => this.#subscriptions.all().documents,
      replicates: (name) => this.#subscriptions.hasDocument(name),
      subscribe: (documents) => this.#subscriptions.subscribe([], documents),
    });
    this.#subscriptions = new SyncSubscriptions(
      replica,
      this.#link,
      this.#requests,
      followers,
      () => this.#presence.names(),
      () => this.#status.emit(),
    );
    this.#rejections = new Rejections(
      replica,
      (rejected) => {
        this.#events.emit('rejected', rejected);
        this.#rejectedOf.emit(rejected.name, rejected);
      },
      (body) => this.#tabs.post(body),
    );
    this.#uploader = new Uploader(
      replica,
      this.#outbox,
      this.#link,
      this.#requests,
      this.#progress,
      timers,
      logger,
      {
        role,
        tellTabs: (body) => this.#tabs.post(body),
        reject: (rejected) => this.#rejections.reject(rejected),
        subscribedDocuments: () => this.#subscriptions.all().documents,
        settled: () => {
          this.#status.checkSynced();
          this.#status.emit();
        },
      },
    );
    this.#remote = new RemoteChanges(replica, this.#outbox, this.#uploader, logger);
    // Changes made here and changes applied from other tabs: the relay may lack either.
    replica.on('change', ({ name, updates, made, origin }) => {
      if (!made || name.startsWith('~')) return;
      if (origin === FROM_ROLLBACK) {
        this.#outbox.settled(name, made);
        return;
      }
      this.#rejections.changed(name);
      this.#outbox.changed(name, updates, made);
      this.#uploader.schedule(name);
    });
    const link = this.#link;
    this.#status = new SyncStatusTracker(
      link,
      timers,
      {
        role,
        pending: () => this.#outbox.size,
        awaiting: () => this.#requests.size > 0 || this.#uploader.inFlight > 0,
        leaderCaughtUp: () => this.#tabs.leaderCaughtUp(),
        stuck: () => this.#uploader.incomplete.stuck,
      },
      link.networkDown ? 'offline' : link.wanted || tabs?.leadership ? 'connecting' : 'stopped',
      (status, changed) => {
        if (changed) this.#events.emit('status', status);
        this.#tabs.tellStatus(status, link, this.#status.isSynced(), followers);
      },
    );
    this.#parts = {
      link,
      outbox: this.#outbox,
      presence: this.#presence,
      subscriptions: this.#subscriptions,
      followers,
      status: this.#status,
      progress: this.#progress,
      rejections: this.#rejections,
      connect: () => this.connect(),
      disconnect: () => this.disconnect(),
      hidden: (name) => this.#remote.hidden(name),
    };
    this.#tabs.start(this.#parts);
    if (!tabs?.leadership && link.wanted) void link.connect();
  }

  /** Whether this tab holds the device's connection (`leader`), goes through it, or has its own. */
  get role(): TabRole {
    return this.#tabs.role;
  }

  on = this.#events.on.bind(this.#events);

  get status(): SyncStatus {
    return this.#status.status;
  }

  /** How far the catch-up sync and the outbox upload are; the `progress` event tells each change. */
  get progress(): SyncProgress {
    return this.#progress.progress;
  }

  statusOf(name: string): RecordSyncStatus {
    return this.#outbox.status(name);
  }

  /**
   * Calls `listener` whenever one record's sync status changes, and for no other record. Returns the
   * unsubscribe function.
   */
  watchStatus(name: string, listener: (status: RecordSyncStatus) => void): () => void {
    return this.#recordStatus.on(name, listener);
  }

  /** Calls `listener` when the relay refuses a change to one record for good. Returns the unsubscribe function. */
  watchRejected(name: string, listener: (rejected: RejectedChange) => void): () => void {
    return this.#rejectedOf.on(name, listener);
  }

  whenSaved(name: string): Promise<void> {
    return this.#outbox.whenSaved(name);
  }

  /**
   * Resolves once connected, every subscription answered, and every local change committed by the relay.
   * Looked at after the caller's synchronous code, so a collection opened just after the call is waited for.
   */
  whenSynced(): Promise<void> {
    return this.#status.whenSynced();
  }

  /**
   * The presence of a record: who else is on it, and this client's own state. There is one per record per
   * client; `leave()` ends it.
   */
  presence(name: string): Presence {
    return this.#presence.open(name);
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
    const { collections, documents } = this.#subscriptions.follow(collection, replication);
    if (this.#tabs.role === 'follower') this.#tabs.sendWant(this.#subscriptions);
    else if (this.#link.state === 'online') this.#subscriptions.subscribe(collections, documents);
  }

  /**
   * Goes online (after disconnect(), or when created with `manual`). While `unreachable` it tries at once
   * instead of at `nextRetryAt` (a "Retry now" button); while `offline` it waits for the network.
   */
  connect(): void {
    if (this.#link.closed) return;
    if (this.#tabs.role === 'follower') {
      this.#link.wanted = true;
      this.#tabs.post({ kind: 'connect', wanted: true });
      return;
    }
    this.#link.start();
  }

  /** Stops syncing (`stopped`) until connect(). Local work carries on; changes wait in the outbox. */
  disconnect(): void {
    if (this.#tabs.role === 'follower') {
      this.#link.wanted = false;
      this.#tabs.post({ kind: 'connect', wanted: false });
      return;
    }
    this.#link.goOffline();
  }

  /** Uses a new token from the next connection on; after an auth failure, reconnects with it. */
  setToken(token: SyncOptions['token']): void {
    this.options.token = token;
    if (this.#link.state === 'unauthorized') this.connect();
  }

  close(): void {
    if (this.#link.closed) return;
    this.#presence.leaveAll();
    this.#link.goOffline();
    this.#link.close();
    this.#status.close();
    this.#parts.followers.close();
    this.#presence.close();
    this.#tabs.close();
  }

  // --- the relay's frames ------------------------------------------------------------------------------

  #welcomed(): void {
    this.#uploader.incomplete.reset();
    this.#subscriptions.subscribeAll();
    this.#uploader.pushAll();
    this.#presence.announce();
    this.#status.emit();
    // Nothing to ask for and nothing to send: caught up already.
    this.#status.checkSynced();
  }

  /** The connection ended: what was under way on it starts again on the next. */
  #dropped(): void {
    this.#uploader.dropped();
    this.#requests.clear();
    this.#progress.interrupted();
    this.#outbox.unsent();
    this.#rejections.clear();
    this.#presence.forgetOthers();
  }

  #receive(message: Exclude<ServerMessage, { type: 'welcome' }>): void {
    switch (message.type) {
      case 'sync':
        if (this.#uploader.rollbacks.receive(message.id, message.items)) {
          if (message.done) this.#uploader.rolledBack(message.id, message.stateVectors);
          return;
        }
        this.#remote.apply(message.items);
        this.#progress.received(message.id, message.items);
        // The time this side spent applying it is not the relay's silence.
        this.#link.heard();
        if (message.done) {
          // Cursors are stored after the updates they cover: the store writes them in the same flush or later.
          for (const { collection, cursor } of message.cursors)
            this.#subscriptions.cursor(collection, cursor);
          this.#requests.answered(message.id);
          this.#progress.answered(message.id);
          this.#status.checkSynced();
        }
        return;
      case 'progress':
        this.#progress.announced(message.id, message.records, message.bytes);
        return;
      case 'updates':
        this.#remote.apply(message.items);
        return;
      case 'cursor':
        this.#subscriptions.cursor(message.collection, message.cursor);
        return;
      case 'ack':
        this.#uploader.acknowledged(message.id, message.refused, message.incomplete);
        return;
      case 'document-error':
        this.logger.warn({ document: message.name, code: message.code }, message.message);
        if (message.code !== DocumentErrorCode.Forbidden) return;
        // A rollback's own question: the rollback reports the refusal.
        if (this.#uploader.rollbacks.unreadable(message.name)) return;
        this.#rejections.unreadable(message.name, message.code, message.message);
        return;
      case 'hidden':
        for (const name of message.names) this.#remote.hidden(name);
        this.#tabs.post({ kind: 'hidden', names: message.names });
        return;
      case 'awareness':
        this.#presence.received(message.name, message.update);
        // The device's other tabs see others' presence through this connection.
        if (this.#tabs.role === 'leader')
          this.#tabs.post({ kind: 'awareness', name: message.name, update: message.update });
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
    this.#requests.stillWorkedOn(now);
    this.#uploader.stillWorkedOn(now);
  }
}
