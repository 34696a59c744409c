import type { Timers } from '../util/Timers.js';
import type { RelayLink } from './RelayLink.js';
import { connectionOf, ShownState, type SyncState, type SyncStatus, sameSyncStatus } from './SyncState.js';
import type { TabRole } from './TabSyncMessage.js';

/** What the status is made of, besides the connection. */
export interface StatusSource {
  role(): TabRole;
  /** Records with changes the relay has not yet committed. */
  pending(): number;
  /** Requests (subscriptions, pushes) still awaiting the relay's answer. */
  awaiting(): boolean;
  /** A follower: its leader is synced and has subscribed to everything this tab wants. */
  leaderCaughtUp(): boolean;
  /** Why some changes stay unsaved though the connection is up, when they do (see IncompletePushes). */
  stuck(): string | undefined;
}

/**
 * The client's sync status, as people see it (see ShownState), and `whenSynced`: tells each change once,
 * and resolves the waiters when connected, every subscription answered and every local change committed.
 */
export class SyncStatusTracker {
  /** When the client last caught up with the relay. */
  lastSyncedAt: Date | undefined;
  /** Follower: the state the leader shows, and its next retry. */
  leader: { state: SyncState; nextRetryAt: number | undefined } | undefined;
  readonly #shown: ShownState;
  /** The last status told, so that telling means a change. */
  #lastEmitted: SyncStatus | undefined;
  /** The `pending` count last told. */
  #reportedPending = 0;
  #syncedWaiters: (() => void)[] = [];

  constructor(
    private readonly link: RelayLink,
    private readonly timers: Timers,
    private readonly source: StatusSource,
    initial: SyncState,
    /** Called on every check; `changed` when the status differs from the last one told. */
    private readonly told: (status: SyncStatus, changed: boolean) => void,
  ) {
    this.#shown = new ShownState(initial, () => this.emit(), timers);
  }

  get status(): SyncStatus {
    const state = this.#shown.shown;
    const nextRetryAt = this.source.role() === 'follower' ? this.leader?.nextRetryAt : this.link.retry?.at;
    return {
      state,
      connection: connectionOf(state),
      nextRetryAt: state === 'unreachable' && nextRetryAt !== undefined ? new Date(nextRetryAt) : undefined,
      pending: this.source.pending(),
      lastSyncedAt: this.lastSyncedAt,
      error: this.link.error ?? this.source.stuck(),
    };
  }

  /**
   * Resolves once connected, every subscription answered, and every local change committed by the relay.
   * Looked at after the caller's synchronous code, so a collection opened just after the call is waited for.
   */
  async whenSynced(): Promise<void> {
    await Promise.resolve();
    if (this.isSynced()) return;
    return new Promise((resolve) => this.#syncedWaiters.push(resolve));
  }

  isSynced(): boolean {
    if (this.link.state !== 'online' || this.source.pending() !== 0) return false;
    if (this.source.role() === 'follower') return this.source.leaderCaughtUp();
    return !this.source.awaiting();
  }

  /** Resolves the waiters once synced. */
  checkSynced(): void {
    if (!this.isSynced()) return;
    this.lastSyncedAt = new Date(this.timers.now());
    const waiters = this.#syncedWaiters;
    this.#syncedWaiters = [];
    for (const resolve of waiters) resolve();
    this.emit();
  }

  /** The number of records waiting is part of the status: tells it when it changed. */
  pendingChanged(): void {
    const pending = this.source.pending();
    if (pending === this.#reportedPending) return;
    this.emit();
    if (pending === 0) this.checkSynced();
  }

  emit(): void {
    this.#reportedPending = this.source.pending();
    this.#shown.set(this.#actualState());
    const status = this.status;
    const changed = !this.#lastEmitted || !sameSyncStatus(this.#lastEmitted, status);
    if (changed) this.#lastEmitted = status;
    this.told(status, changed);
  }

  close(): void {
    this.#shown.close();
  }

  /** The situation as it is, before ShownState decides what people see of it. */
  #actualState(): SyncState {
    const link = this.link;
    if (link.state === 'online') return this.isSynced() ? 'synced' : 'syncing';
    if (this.source.role() === 'follower') return this.leader?.state ?? 'connecting';
    if (link.networkDown) return 'offline';
    if (link.state === 'connecting' || link.state === 'unauthorized') return link.state;
    return link.retry?.as ?? 'stopped';
  }
}
