import type { IncomingMessage } from 'node:http';
import { type CollectionDefinition, silentLogger } from '@ferry/core';
import { type Random, seededRandom } from '@ferry/core/testing';
import type { RelayAuth } from '../../src/auth/Auth.js';
import type { Rules } from '../../src/auth/RecordRules.js';
import { openRelayNode, type RelayNode } from '../../src/RelayNode.js';
import type { RelaySocket } from '../../src/sync/RelaySocket.js';
import { SyncConnection } from '../../src/sync/SyncConnection.js';
import type { SimClock } from './SimClock.js';
import { NodeStorage, type SimDisk } from './SimDisk.js';
import type { SimBus } from './SimFanout.js';
import { type SimEndpoint, streamSeed } from './SimNetwork.js';

/** A token is the user's id; everyone may write everything (record rules, when given, narrow it). */
const tokenAuth: RelayAuth = {
  authenticate: (token) => ({ id: token }),
  authorize: () => 'write',
};

export interface SimNodeOptions {
  readonly collections: readonly CollectionDefinition[];
  readonly rules?: Rules;
  readonly compactAfterEntries: number;
  readonly idleUnloadMs: number;
  /** How long (simulated) each change stays in the log as it was, before compaction may merge it. */
  readonly historyMs: number;
}

/** One relay node in the simulation: its documents and connections, on the shared disk. Killed, it loses all. */
export class SimNode implements SimEndpoint {
  up = false;
  incarnation = 0;
  relay: RelayNode | undefined;
  #storage: NodeStorage | undefined;
  readonly #random: Random;

  constructor(
    readonly name: string,
    seed: number,
    private readonly clock: SimClock,
    private readonly disk: SimDisk,
    private readonly bus: SimBus,
    private readonly options: SimNodeOptions,
  ) {
    this.#random = seededRandom(streamSeed(seed, `disk:${name}`));
  }

  start(): void {
    this.clock.revive(this.name);
    this.incarnation++;
    this.#storage = new NodeStorage(this.disk, this.clock, this.name, this.#random);
    this.relay = openRelayNode({
      storage: this.#storage,
      auth: tokenAuth,
      logger: silentLogger,
      now: this.clock.now,
      timers: this.clock.timersFor(this.name),
      fanout: this.bus.join(this.name),
      collections: this.options.collections,
      rules: this.options.rules,
      compactAfterEntries: this.options.compactAfterEntries,
      idleUnloadMs: this.options.idleUnloadMs,
      historyMs: this.options.historyMs,
    });
    this.up = true;
  }

  /** kill -9: timers, storage in flight, fan-out and sockets all go at once. */
  kill(): void {
    this.up = false;
    this.clock.kill(this.name);
    this.#storage?.kill();
    this.bus.leave(this.name);
    this.relay = undefined;
  }

  accept(socket: RelaySocket, request: IncomingMessage): void {
    if (this.relay) new SyncConnection(socket, request, this.relay.context);
  }

  get loadedDocuments(): number {
    return this.relay?.hub.loadedCount ?? 0;
  }
}
