import { type Random, seededRandom } from '@ferry/core/testing';
import type { AwarenessMessage, Fanout, FanoutListeners, UpdateMessage } from '../../src/fanout/Fanout.js';
import type { SimClock } from './SimClock.js';
import { streamSeed } from './SimNetwork.js';

/**
 * Fan-out between relay nodes in one process, best effort as Redis pub/sub is: each message to each other
 * node is delayed, and sometimes lost, by that pair's own seeded stream. A node that comes back hears `gap`.
 */
export class SimBus {
  readonly #listeners = new Map<string, FanoutListeners>();
  readonly #streams = new Map<string, Random>();
  lossRate = 0;
  lost = 0;

  constructor(
    private readonly seed: number,
    private readonly clock: SimClock,
  ) {}

  join(node: string): Fanout {
    const bus = this;
    return {
      node,
      publishUpdate(message: UpdateMessage) {
        bus.#publish(node, (listeners) => listeners.update(message));
      },
      publishAwareness(message: AwarenessMessage) {
        bus.#publish(node, (listeners) => listeners.awareness(message));
      },
      listen(listeners: FanoutListeners) {
        bus.#listeners.set(node, listeners);
      },
      async close() {
        bus.#listeners.delete(node);
      },
    };
  }

  /** The node died: it hears nothing more until it joins again. */
  leave(node: string): void {
    this.#listeners.delete(node);
  }

  #publish(from: string, deliver: (listeners: FanoutListeners) => void): void {
    for (const [to, listeners] of this.#listeners) {
      if (to === from) continue;
      const random = this.#stream(`${from}>${to}`);
      if (random.chance(this.lossRate)) {
        this.lost++;
        continue;
      }
      this.clock.schedule(to, random.int(1, 10), () => {
        if (this.#listeners.get(to) === listeners) deliver(listeners);
      });
    }
  }

  #stream(name: string): Random {
    let random = this.#streams.get(name);
    if (!random) {
      random = seededRandom(streamSeed(this.seed, name));
      this.#streams.set(name, random);
    }
    return random;
  }
}
