import { isTabSyncMessage, type TabLink, type TabSyncMessage } from '../sync/TabSyncMessage.js';
import { FROM_RELAY, FROM_ROLLBACK, FROM_TAB } from './origins.js';
import type { ChangeId, Replica } from './Replica.js';

/**
 * A change made in a tab, or (`by` absent) what the leader tab received from the relay. One update each, as
 * tabs of earlier versions of Ferry send and read them: a tab opened before an upgrade still shares with
 * the ones opened after it.
 */
interface TabMessage {
  name: string;
  update: Uint8Array;
  by?: string;
  seq?: number;
  /** A rollback to what the relay accepted: settled at once, never sent. */
  rollback?: boolean;
}

/** Local documents named so belong to one tab and are never shared with the others (its relay cursors). */
export const TAB_PRIVATE_PREFIX = '~tab/';

/**
 * Shares changes between tabs of one app on one device, at once, over a BroadcastChannel. Each change goes
 * with its id (which tab made it, its number there). Every tab stores what it receives, as the tab that made
 * it does: a tab may be closed, crash or be discarded before its own write lands, and the changes other tabs
 * make afterwards build on what they were shown. All tabs write to the same local store with keys of their
 * own, so two tabs writing the same record lose nothing; Yjs applies a change stored twice once.
 *
 * A tab listens before it reads the store, and applies what it heard meanwhile once it has: a change made
 * while it was opening reaches it one way or the other.
 */
export class TabChannel implements TabLink {
  readonly #channel: BroadcastChannel;
  #heard: TabMessage[] | undefined = [];
  #replica: Replica | undefined;
  #stop: () => void = () => {};
  #shareRelayed = false;
  readonly #listeners = new Set<(message: TabSyncMessage) => void>();

  constructor(channelName: string) {
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event: MessageEvent<unknown>) => {
      if (isTabSyncMessage(event.data)) {
        for (const listener of [...this.#listeners]) listener(event.data);
        return;
      }
      const message = (event.data ?? {}) as TabMessage;
      if (typeof message.name !== 'string' || !(message.update instanceof Uint8Array)) return;
      if (message.by !== undefined && (typeof message.by !== 'string' || typeof message.seq !== 'number'))
        return;
      if (this.#heard) this.#heard.push(message);
      else this.#apply(message);
    };
  }

  get tab(): string {
    return this.#replica?.id ?? '';
  }

  /** Sends a sync client's message to the other tabs, in order with the changes shared before it. */
  post(message: TabSyncMessage): void {
    this.#channel.postMessage(message);
  }

  onMessage(listener: (message: TabSyncMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  shareRelayed(on: boolean): void {
    this.#shareRelayed = on;
  }

  /** Starts sharing the replica's changes, after applying those heard while it opened. */
  attach(replica: Replica): void {
    this.#replica = replica;
    const heard = this.#heard ?? [];
    this.#heard = undefined;
    for (const message of heard) this.#apply(message);
    this.#stop = replica.on('change', ({ name, updates, local, made, origin }) => {
      if (name.startsWith(TAB_PRIVATE_PREFIX)) return;
      if (local && made) {
        const rollback = origin === FROM_ROLLBACK || undefined;
        for (const update of updates)
          this.#channel.postMessage({
            name,
            update: ownBytes(update),
            ...made,
            rollback,
          } satisfies TabMessage);
      } else if (origin === FROM_RELAY && this.#shareRelayed) {
        // The other tabs have no connection of their own: what reaches this one is theirs too.
        for (const update of updates)
          this.#channel.postMessage({ name, update: ownBytes(update) } satisfies TabMessage);
      }
    });
  }

  close(): void {
    this.#stop();
    this.#listeners.clear();
    this.#channel.close();
  }

  #apply({ name, update, by, seq, rollback }: TabMessage): void {
    try {
      if (by === undefined || seq === undefined) this.#replica?.applyRemote(name, [update], FROM_RELAY);
      else {
        const origin = rollback ? FROM_ROLLBACK : FROM_TAB;
        this.#replica?.applyRemote(name, [update], origin, { by, seq } satisfies ChangeId);
      }
    } catch {
      // Another tab of this app sent it; if it is unreadable, that tab's own copy and the relay still have it.
    }
  }
}

/**
 * The bytes of `update` in a buffer of their own. An update from the relay is a view into the frame it came
 * in (up to a megabyte), and posting a view copies its whole buffer: a frame of 2,000 records was copied
 * 2,000 times, which held a first sync of 10,000 records up for minutes.
 */
function ownBytes(update: Uint8Array): Uint8Array {
  return update.byteOffset === 0 && update.byteLength === update.buffer.byteLength ? update : update.slice();
}
