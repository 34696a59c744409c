import { FROM_TAB } from './origins.js';
import type { ChangeId, Replica } from './Replica.js';

interface TabMessage {
  name: string;
  update: Uint8Array;
  by: string;
  seq: number;
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
export class TabChannel {
  readonly #channel: BroadcastChannel;
  #heard: TabMessage[] | undefined = [];
  #replica: Replica | undefined;
  #stop: () => void = () => {};

  constructor(channelName: string) {
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data ?? {};
      if (typeof message.name !== 'string' || !(message.update instanceof Uint8Array)) return;
      if (typeof message.by !== 'string' || typeof message.seq !== 'number') return;
      if (this.#heard) this.#heard.push(message);
      else this.#apply(message);
    };
  }

  /** Starts sharing the replica's changes, after applying those heard while it opened. */
  attach(replica: Replica): void {
    this.#replica = replica;
    const heard = this.#heard ?? [];
    this.#heard = undefined;
    for (const message of heard) this.#apply(message);
    this.#stop = replica.on('change', ({ name, updates, local, made }) => {
      if (!local || !made || name.startsWith(TAB_PRIVATE_PREFIX)) return;
      for (const update of updates) this.#channel.postMessage({ name, update, ...made } satisfies TabMessage);
    });
  }

  close(): void {
    this.#stop();
    this.#channel.close();
  }

  #apply({ name, update, by, seq }: TabMessage): void {
    try {
      this.#replica?.applyRemote(name, [update], FROM_TAB, { by, seq } satisfies ChangeId);
    } catch {
      // Another tab of this app sent it; if it is unreadable, that tab's own copy and the relay still have it.
    }
  }
}
