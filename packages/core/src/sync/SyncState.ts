import { realTimers, type Timer, type Timers } from '../util/Timers.js';

export type ConnectionState = 'online' | 'connecting' | 'offline' | 'unauthorized';

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
 * The situation of the client's sync, in the terms a person needs:
 * - `offline`: the device has no network (the browser said so); no connection is attempted until it has.
 * - `unreachable`: the network is up but the last attempt to reach the relay failed; the next one is at
 *   `nextRetryAt` (connect() tries at once).
 * - `unauthorized`: the relay refused the token; nothing is tried until setToken() or connect().
 * - `stopped`: the client is not trying: the app called disconnect(), or the relay turned it away for a reason
 *   retrying cannot fix (`error` says which).
 * - `connecting`: an attempt, or a reconnect after a dropped connection, under way.
 * - `syncing`: connected; answers or acknowledgements still awaited, or local changes not yet saved.
 * - `synced`: connected, every subscription answered and nothing pending.
 */
export type SyncState =
  | 'offline'
  | 'unreachable'
  | 'unauthorized'
  | 'stopped'
  | 'connecting'
  | 'syncing'
  | 'synced';

/**
 * How long work under way (`connecting`, `syncing`) must last before it is shown: a state shorter than this
 * cannot be read, only seen to flicker. Quicker work goes straight from the last state shown to its outcome.
 */
export const SHOW_WORK_AFTER_MS = 300;

const WORK: ReadonlySet<SyncState> = new Set(['connecting', 'syncing']);

/** The coarse connection state of earlier versions, which several callers still read. */
export function connectionOf(state: SyncState): ConnectionState {
  if (state === 'synced' || state === 'syncing') return 'online';
  if (state === 'connecting' || state === 'unauthorized') return state;
  return 'offline';
}

/**
 * The state shown, given the client's actual state: an outcome (offline, unreachable, unauthorized, stopped,
 * synced) is shown at once; work under way only once it has lasted SHOW_WORK_AFTER_MS, unless work is on show
 * already. `changed` is called when the delayed state comes into view.
 */
export class ShownState {
  #shown: SyncState;
  #actual: SyncState;
  #timer: Timer | undefined;

  constructor(
    initial: SyncState,
    private readonly changed: () => void,
    private readonly timers: Timers = realTimers,
    private readonly delayMs = SHOW_WORK_AFTER_MS,
  ) {
    this.#shown = initial;
    this.#actual = initial;
  }

  get shown(): SyncState {
    return this.#shown;
  }

  /** Takes the actual state in; returns whether the state shown changed now. */
  set(actual: SyncState): boolean {
    this.#actual = actual;
    const before = this.#shown;
    if (!WORK.has(actual) || WORK.has(before)) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#shown = actual;
    } else if (this.#timer === undefined) {
      this.#timer = this.timers.setTimeout(() => {
        this.#timer = undefined;
        if (this.#shown === this.#actual) return;
        this.#shown = this.#actual;
        this.changed();
      }, this.delayMs);
    }
    return this.#shown !== before;
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

/** Whether two statuses tell the same (`sync.status` is a new object on every read). */
export function sameSyncStatus(a: SyncStatus, b: SyncStatus): boolean {
  return (
    a.state === b.state &&
    a.pending === b.pending &&
    a.error === b.error &&
    a.lastSyncedAt?.getTime() === b.lastSyncedAt?.getTime() &&
    a.nextRetryAt?.getTime() === b.nextRetryAt?.getTime()
  );
}
