import type { IncomingMessage } from 'node:http';
import type { Transport, TransportEvents } from '@ferry/core';
import { type Random, seededRandom } from '@ferry/core/testing';
import type { RelaySocket } from '../../src/sync/RelaySocket.js';
import type { SimClock } from './SimClock.js';
import type { Trace } from './Trace.js';

/** Per frame, how often each fault strikes a link (0 to 1). */
export interface LinkFaults {
  drop: number;
  duplicate: number;
  /** The frame is held back and overtaken by later ones. */
  reorder: number;
  /** The frame, and the ones behind it, arrive late. */
  delay: number;
  /** The connection is cut. */
  cut: number;
}

export const NO_FAULTS: LinkFaults = { drop: 0, duplicate: 0, reorder: 0, delay: 0, cut: 0 };

export type FaultKind = keyof LinkFaults | 'partition' | 'refused';

/** What a relay node offers the network: a new connection, while it runs. */
export interface SimEndpoint {
  readonly name: string;
  readonly up: boolean;
  /** Bumped on every restart: frames for an earlier incarnation are lost with it. */
  readonly incarnation: number;
  accept(socket: RelaySocket, request: IncomingMessage): void;
}

/** A seed for a link's own stream, from the run's seed and the link's name. */
export function streamSeed(seed: number, name: string): number {
  let hash = seed >>> 0 || 1;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/**
 * The link between one client and one relay node, with its own seeded stream: each frame may be dropped,
 * duplicated, reordered, delayed, or cut the connection; a partitioned link carries nothing at all.
 */
export class SimLink {
  readonly random: Random;
  faults: LinkFaults = NO_FAULTS;
  partitioned = false;
  /** When the last frame in each direction arrives: frames keep their order unless reordered. */
  readonly #lastArrival = { up: 0, down: 0 };

  constructor(
    readonly name: string,
    seed: number,
    private readonly clock: SimClock,
    private readonly counts: Map<FaultKind, number>,
  ) {
    this.random = seededRandom(streamSeed(seed, name));
  }

  count(kind: FaultKind): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  latency(): number {
    return this.random.int(1, 8);
  }

  /**
   * Sends one frame one way: `deliver` runs on arrival (as `owner`'s timer), `cut` when the fault cuts the
   * connection instead.
   */
  carry(direction: 'up' | 'down', owner: string, deliver: () => void, cut: () => void): void {
    if (this.partitioned) return;
    const f = this.faults;
    const r = this.random;
    if (r.chance(f.cut)) {
      this.count('cut');
      cut();
      return;
    }
    if (r.chance(f.drop)) {
      this.count('drop');
      return;
    }
    const copies = r.chance(f.duplicate) ? 2 : 1;
    if (copies === 2) this.count('duplicate');
    for (let i = 0; i < copies; i++) {
      const now = this.clock.now();
      if (r.chance(f.reorder)) {
        this.count('reorder');
        this.clock.schedule(owner, this.latency() + r.int(5, 40), deliver);
        continue;
      }
      let at = Math.max(now + this.latency(), this.#lastArrival[direction]);
      if (r.chance(f.delay)) {
        this.count('delay');
        at += r.int(20, 400);
      }
      this.#lastArrival[direction] = at;
      this.clock.schedule(owner, at - now, deliver);
    }
  }
}

const REQUEST = {
  headers: {},
  url: '/sync',
  socket: { remoteAddress: '127.0.0.1' },
} as unknown as IncomingMessage;

/**
 * Simulated sockets between clients and relay nodes: a client's Transport, and on the node's side a
 * RelaySocket handed to the node's connection handler. Frames travel over the client's link to that node.
 */
export class SimNetwork {
  readonly links = new Map<string, SimLink>();
  readonly faultCounts = new Map<FaultKind, number>();
  readonly #nodes = new Map<string, SimEndpoint>();
  /** Open server-side sockets per node, to close when the node dies and to bound. */
  readonly #sockets = new Map<string, Set<SimServerSocket>>();
  faults: LinkFaults = NO_FAULTS;
  /** Sees every frame a relay node sends to a client, as it is sent. */
  inspectDown: ((client: string, frame: Uint8Array) => void) | undefined;

  constructor(
    private readonly seed: number,
    readonly clock: SimClock,
    private readonly trace: Trace,
  ) {}

  addNode(node: SimEndpoint): void {
    this.#nodes.set(node.name, node);
  }

  link(client: string, node: string): SimLink {
    const name = `${client}~${node}`;
    let link = this.links.get(name);
    if (!link) {
      link = new SimLink(name, this.seed, this.clock, this.faultCounts);
      link.faults = this.faults;
      this.links.set(name, link);
    }
    return link;
  }

  setFaults(faults: LinkFaults): void {
    this.faults = faults;
    for (const link of this.links.values()) link.faults = faults;
  }

  socketsOf(node: string): number {
    return this.#sockets.get(node)?.size ?? 0;
  }

  /** The node died: its sockets vanish; each client hears its connection end. */
  nodeDied(node: string): void {
    for (const socket of this.#sockets.get(node) ?? []) socket.vanish();
    this.#sockets.get(node)?.clear();
  }

  transportFor(client: string): Transport {
    return {
      connect: (url, events) => {
        const nodeName = new URL(url).host;
        const node = this.#nodes.get(nodeName);
        const link = this.link(client, nodeName);
        let clientOpen = true;
        let server: SimServerSocket | undefined;
        const endOnClient = (code: number, reason: string) => {
          if (!clientOpen) return;
          clientOpen = false;
          this.trace.event(`${client} closed ${code}`);
          events.close(code, reason);
        };
        if (!node?.up || link.partitioned) {
          link.count('refused');
          this.clock.schedule(client, link.latency() * 10, () => endOnClient(1006, 'unreachable'));
          return { send() {}, close: (code = 1000, reason = '') => endOnClient(code, reason) };
        }
        const incarnation = node.incarnation;
        const alive = () => node.up && node.incarnation === incarnation;
        this.clock.schedule(nodeName, link.latency(), () => {
          if (!clientOpen || !alive()) return;
          server = new SimServerSocket(this, nodeName, client, link, events, () => clientOpen, endOnClient);
          this.#socketsOf(nodeName).add(server);
          node.accept(server, REQUEST);
          this.clock.schedule(client, link.latency(), () => clientOpen && events.open());
        });
        return {
          send: (frame) => {
            if (!clientOpen) return;
            link.carry(
              'up',
              nodeName,
              () => {
                if (alive()) server?.receive(frame);
              },
              () => (server ? server.cut() : endOnClient(1006, 'cut')),
            );
          },
          close: (code = 1000, reason = '') => {
            endOnClient(code, reason);
            // A close frame over a partitioned link is lost: the relay's heartbeat ends the socket later.
            const after = link.partitioned ? 60_000 : link.latency();
            this.clock.schedule(nodeName, after, () => {
              if (alive()) server?.ended();
            });
          },
        };
      },
    };
  }

  #socketsOf(node: string): Set<SimServerSocket> {
    let sockets = this.#sockets.get(node);
    if (!sockets) {
      sockets = new Set();
      this.#sockets.set(node, sockets);
    }
    return sockets;
  }

  forget(socket: SimServerSocket): void {
    this.#sockets.get(socket.node)?.delete(socket);
  }
}

type Listener = (...args: never[]) => void;

/** The relay's end of a simulated connection. */
export class SimServerSocket implements RelaySocket {
  readonly OPEN = 1;
  readyState = 1;
  readonly bufferedAmount = 0;
  readonly #listeners = { message: [] as Listener[], close: [] as Listener[], error: [] as Listener[] };

  constructor(
    private readonly network: SimNetwork,
    readonly node: string,
    private readonly client: string,
    private readonly link: SimLink,
    private readonly events: TransportEvents,
    private readonly clientOpen: () => boolean,
    private readonly endOnClient: (code: number, reason: string) => void,
  ) {}

  on(event: 'message' | 'close' | 'error', listener: Listener): this {
    this.#listeners[event].push(listener);
    return this;
  }

  send(data: Uint8Array, callback?: (error?: Error) => void): void {
    if (this.readyState !== 1) return;
    const frame = data.slice();
    this.network.inspectDown?.(this.client, frame);
    this.link.carry(
      'down',
      this.client,
      () => {
        if (this.clientOpen()) this.events.message(frame);
      },
      () => this.cut(),
    );
    if (callback) this.network.clock.schedule(this.node, 0, () => callback());
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState !== 1) return;
    this.readyState = 2;
    this.network.clock.schedule(this.client, this.link.latency(), () => this.endOnClient(code, reason));
    this.network.clock.schedule(this.node, this.link.latency(), () => this.ended());
  }

  terminate(): void {
    this.close(1006, '');
  }

  /** A frame from the client arrived. */
  receive(frame: Uint8Array): void {
    if (this.readyState !== 1) return;
    for (const listener of this.#listeners.message) listener(Buffer.from(frame) as never, true as never);
  }

  /** The connection was cut in the network: both ends hear it. */
  cut(): void {
    if (this.readyState === 3) return;
    this.readyState = 2;
    this.network.clock.schedule(this.client, this.link.latency(), () => this.endOnClient(1006, 'cut'));
    this.network.clock.schedule(this.node, this.link.latency(), () => this.ended());
  }

  /** The relay's side learns the connection is over. */
  ended(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.network.forget(this);
    for (const listener of this.#listeners.close) listener();
  }

  /** The node died with this socket open: the client's side sees the connection end; the node is gone. */
  vanish(): void {
    this.readyState = 3;
    this.network.clock.schedule(this.client, this.link.latency(), () => this.endOnClient(1006, 'node died'));
  }
}
