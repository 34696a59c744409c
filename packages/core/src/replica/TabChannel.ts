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
 */
export class TabChannel {
  readonly #channel: BroadcastChannel;
  readonly #stop: () => void;

  constructor(replica: Replica, channelName: string) {
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const { name, update, by, seq } = event.data ?? {};
      if (typeof name !== 'string' || !(update instanceof Uint8Array)) return;
      if (typeof by !== 'string' || typeof seq !== 'number') return;
      try {
        replica.applyRemote(name, [update], FROM_TAB, { by, seq } satisfies ChangeId);
      } catch {
        // Another tab of this app sent it; if it is unreadable, that tab's own copy and the relay still have it.
      }
    };
    this.#stop = replica.on('change', ({ name, updates, local, made }) => {
      if (!local || !made || name.startsWith(TAB_PRIVATE_PREFIX)) return;
      for (const update of updates) this.#channel.postMessage({ name, update, ...made } satisfies TabMessage);
    });
  }

  close(): void {
    this.#stop();
    this.#channel.close();
  }
}
