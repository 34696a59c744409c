import { FROM_TAB } from './origins.js';
import type { Replica } from './Replica.js';

interface TabMessage {
  name: string;
  update: Uint8Array;
}

/**
 * Shares changes between tabs of one app on one device, at once, over a BroadcastChannel. The tab that
 * made a change stores it and sends it to the relay; the others only apply it. All tabs write to the same
 * local store with keys of their own, so two tabs writing the same record lose nothing.
 */
export class TabChannel {
  readonly #channel: BroadcastChannel;
  readonly #stop: () => void;

  constructor(replica: Replica, channelName: string) {
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const { name, update } = event.data ?? {};
      if (typeof name !== 'string' || !(update instanceof Uint8Array)) return;
      try {
        // The tab that made it stores it; this one only applies it.
        replica.applyRemote(name, [update], FROM_TAB, false);
      } catch {
        // Another tab of this app sent it; if it is unreadable, that tab's own copy and the relay still have it.
      }
    };
    this.#stop = replica.on('change', ({ name, updates, local }) => {
      if (!local) return;
      for (const update of updates) this.#channel.postMessage({ name, update } satisfies TabMessage);
    });
  }

  close(): void {
    this.#stop();
    this.#channel.close();
  }
}
