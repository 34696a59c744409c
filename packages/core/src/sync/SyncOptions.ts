import type { FieldEquals } from '../protocol/messages.js';
import type { Timers } from '../util/Timers.js';
import type { RecordSyncStatus } from './Outbox.js';
import type { RejectedChange } from './Rollbacks.js';
import type { SyncProgress } from './SyncProgress.js';
import type { SyncStatus } from './SyncState.js';
import type { Transport, WebSocketClass } from './Transport.js';

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
