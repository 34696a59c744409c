import type { TabLeadership } from '../replica/TabLeadership.js';
import type { PresenceState } from './Presence.js';
import type { Replication } from './SyncOptions.js';
import type { SyncProgress } from './SyncProgress.js';
import type { ConnectionState, SyncState } from './SyncState.js';

/**
 * What the sync clients of one device's tabs tell each other over the tab channel. `scope` names the relay
 * (tabs of one store may sync with different relays); `tab` is the sender's id.
 */
export type TabSyncMessage = { readonly scope: string; readonly tab: string } & TabSyncBody;

/** A message without its sender's scope and id. */
export type TabSyncBody =
  | {
      /** A follower's subscriptions, all of them (sent again whenever they change, and to a new leader). */
      readonly kind: 'want';
      readonly seq: number;
      readonly collections: readonly (readonly [string, Replication])[];
      readonly documents: readonly string[];
    }
  | { readonly kind: 'leader' }
  | {
      /** The device's connection, as the leader has it. */
      readonly kind: 'status';
      /** What the leader shows (see ShownState): the followers show the same. */
      readonly state: SyncState;
      readonly nextRetryAt: number | undefined;
      /** The connection as it is. */
      readonly connection: ConnectionState;
      readonly error: string | undefined;
      readonly lastSyncedAt: number | undefined;
      /** Connected, every subscription answered, nothing in flight. */
      readonly synced: boolean;
      /** The last `want` of each follower the leader has subscribed to. */
      readonly wants: Readonly<Record<string, number>>;
    }
  /** The leader pushed these records, carrying these changes (per tab, the highest number): `sent`. */
  | {
      readonly kind: 'sent';
      readonly records: readonly (readonly [string, readonly (readonly [string, number])[]])[];
    }
  /** A follower's own presence state on a record (`null`: it left), for the leader to send as the device's. */
  | { readonly kind: 'presence'; readonly name: string; readonly state: PresenceState | null }
  /** Others' presence on a record, as the relay sent it to the leader. */
  | { readonly kind: 'awareness'; readonly name: string; readonly update: Uint8Array }
  | {
      /**
       * The relay refused the record's changes for good; sent before their marks are settled, so that a tab
       * waiting for them to be saved learns why they leave the outbox.
       */
      readonly kind: 'refused';
      readonly name: string;
      readonly code: number;
      readonly message: string;
    }
  | {
      /** The relay refused a change (the record is rolled back now), or a read: the `rejected` event. */
      readonly kind: 'rejected';
      readonly name: string;
      readonly code: number;
      readonly message: string;
      readonly change: Uint8Array | undefined;
      readonly attempted: Uint8Array | undefined;
    }
  /** The relay no longer lets this user read these records: every tab lets go of them. */
  | { readonly kind: 'hidden'; readonly names: readonly string[] }
  /** A follower's app called connect() or disconnect(): the leader's socket follows. */
  | { readonly kind: 'connect'; readonly wanted: boolean }
  /** The leader's sync progress, which is the device's: followers show it as theirs. */
  | { readonly kind: 'progress'; readonly progress: SyncProgress };

/** The channel between the tabs, as the sync client uses it (TabChannel in browsers). */
export interface TabLink {
  /** This tab's id among the device's tabs. */
  readonly tab: string;
  post(message: TabSyncMessage): void;
  /** Calls `listener` with every message another tab posts. Returns the unsubscribe function. */
  onMessage(listener: (message: TabSyncMessage) => void): () => void;
  /** Whether this tab passes on what it receives from the relay (the leader does). */
  shareRelayed(on: boolean): void;
}

export function isTabSyncMessage(message: unknown): message is TabSyncMessage {
  const m = message as Partial<TabSyncMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.kind === 'string' &&
    typeof m.scope === 'string' &&
    typeof m.tab === 'string'
  );
}

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
