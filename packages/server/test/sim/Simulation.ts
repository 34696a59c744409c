import { hasContent } from '@ferry/core';
import { type Random, seededRandom } from '@ferry/core/testing';
import * as Y from 'yjs';
import { readFields } from '../../src/documents/RecordView.js';
import { DEFAULT_LIMITS } from '../../src/Limits.js';
import { editRecord } from './editRecord.js';
import { mayRead, ReadRules } from './ReadRules.js';
import { describeContent, describeDocument, NOTES_PREFIX, notes, SimClient } from './SimClient.js';
import { SimClock } from './SimClock.js';
import { SimDisk } from './SimDisk.js';
import { SimBus } from './SimFanout.js';
import { type LinkFaults, NO_FAULTS, SimNetwork, streamSeed } from './SimNetwork.js';
import { SimNode } from './SimNode.js';
import { useSeededIds } from './seededYjs.js';
import { Trace } from './Trace.js';

export interface SimulationOptions {
  seed: number;
  ops: number;
  clients?: number;
  nodes?: number;
  /** Heal the network and check convergence every this many operations (and at the end). */
  healEvery?: number;
  /** Record rules: each note read and changed by its owner and readers only; checks nothing leaks. */
  rules?: boolean;
  /** Called after each heal, for progress reports. */
  progress?: (result: SimulationResult) => void;
}

export interface Failure {
  readonly kind:
    | 'divergence'
    | 'kept'
    | 'lost'
    | 'saved-not-stored'
    | 'waiting'
    | 'stuck'
    | 'unbounded'
    | 'leak';
  readonly record?: string;
  readonly detail: string;
}

export interface SimulationResult {
  seed: number;
  ops: number;
  trace: string;
  divergences: number;
  lost: number;
  failures: Failure[];
  /** Faults injected, by kind. */
  faults: Record<string, number>;
  /** Invariant checks that held, by invariant. */
  checks: Record<string, number>;
  /** Things noticed that are not counted as failures. */
  observations: Record<string, number>;
  /** Simulated time, ms. */
  simulatedMs: number;
  steps: number;
}

/** Frames a link loses, repeats, reorders or delays, and connections it cuts, while faults are on. */
const FAULTS: LinkFaults = { drop: 0.01, duplicate: 0.01, reorder: 0.01, delay: 0.03, cut: 0.003 };
let running = false;

/** How long, in simulated time, a healed system may take to converge before that counts as a failure. */
const SETTLE_MS = 180_000;

/**
 * The whole system in one process, driven by one seed: relay nodes on a shared disk with fan-out between
 * them, clients over faulty links, a simulated clock. Operations (edits, disconnects, partitions, restarts,
 * node kills) are drawn from the scenario's stream; each link, disk and client has its own. Every
 * `healEvery` operations the faults stop and the invariants are checked.
 */
export class Simulation {
  readonly clock = new SimClock();
  readonly trace = new Trace();
  readonly disk = new SimDisk();
  readonly network: SimNetwork;
  readonly bus: SimBus;
  readonly nodes: SimNode[];
  readonly clients: SimClient[];
  readonly #scenario: Random;
  /** What the relay acknowledged (a record `saved`), per record: the state vector that was saved. */
  readonly #acked = new Map<string, Map<number, number>>();
  readonly #failures: Failure[] = [];
  readonly #checks: Record<string, number> = {};
  readonly #ops = { done: 0 };
  readonly #counts: Record<string, number> = {};
  /** Things noticed that are not failures. */
  readonly #observations: Record<string, number> = {};
  readonly #rules: ReadRules | undefined;

  constructor(private readonly options: SimulationOptions) {
    const { seed } = options;
    this.#scenario = seededRandom(streamSeed(seed, 'scenario'));
    this.trace.setClock(this.clock.now);
    this.network = new SimNetwork(seed, this.clock, this.trace);
    this.bus = new SimBus(seed, this.clock);
    this.#rules = options.rules ? new ReadRules() : undefined;
    const nodeOptions = {
      rules: this.#rules?.rules,
      collections: [notes],
      compactAfterEntries: 50,
      // A minute, so that compaction merges entries within a run. Under rules, a day: a device that comes back
      // is told of records it may no longer read from the log since its cursor, which compaction would merge
      // (a documented limit: it then keeps its stale copy).
      historyMs: options.rules ? 24 * 3600_000 : 60_000,
      idleUnloadMs: 5_000,
    };
    this.nodes = Array.from(
      { length: options.nodes ?? 2 },
      (_, i) => new SimNode(`node${i}`, seed, this.clock, this.disk, this.bus, nodeOptions),
    );
    for (const node of this.nodes) this.network.addNode(node);
    const urls = this.nodes.map((node) => `ws://${node.name}`);
    this.clients = Array.from(
      { length: options.clients ?? 4 },
      (_, i) => new SimClient(`client${i}`, seed, this.clock, this.network, urls),
    );
    for (const client of this.clients) {
      client.onSaved = (c, name) => this.#saved(c, name);
      client.onRejected = (c, name, why) =>
        this.trace.event(`${c.name} is refused a change of ${name}: ${why}`, name);
    }
    const rules = this.#rules;
    if (rules) rules.onHidden = (user, name) => this.trace.event(`${user} is told ${name} is hidden`, name);
    if (rules)
      this.network.inspectDown = (client, frame) => {
        for (const { name, sent } of rules.leaked(client, frame))
          this.#fail({
            kind: 'leak',
            record: name,
            detail: `${client} was sent ${name} (${sent}), which it was never allowed to read`,
          });
      };
  }

  async run(): Promise<SimulationResult> {
    // Runs share the process's seeded Yjs ids and real event loop: two at once would mix their streams.
    if (running) throw new Error('Another simulation is running in this process; run one at a time.');
    running = true;
    assertSeededIds();
    useSeededIds(seededRandom(streamSeed(this.options.seed, 'yjs')));
    try {
      for (const node of this.nodes) node.start();
      for (const client of this.clients) await client.open();
      const healEvery = this.options.healEvery ?? 500;
      while (this.#ops.done < this.options.ops && this.#failures.length === 0) {
        await this.#operate();
        this.#ops.done++;
        await this.clock.advance(this.#scenario.int(0, 40));
        if (this.#ops.done % healEvery === 0 || this.#ops.done === this.options.ops) {
          await this.#heal();
          this.options.progress?.(this.result());
        }
      }
      return this.result();
    } finally {
      for (const client of this.clients) await client.close();
      useSeededIds(undefined);
      running = false;
    }
  }

  result(): SimulationResult {
    const faults: Record<string, number> = { ...this.#counts };
    for (const [kind, count] of this.network.faultCounts) faults[`link ${kind}`] = count;
    faults['fan-out lost'] = this.bus.lost;
    faults['commit torn at kill'] = this.disk.torn;
    faults['commit completed at kill'] = this.disk.committedAtDeath;
    return {
      seed: this.options.seed,
      ops: this.#ops.done,
      trace: this.trace.digest(),
      divergences: this.#failures.filter((f) => f.kind === 'divergence').length,
      lost: this.#failures.filter((f) => f.kind === 'lost' || f.kind === 'saved-not-stored').length,
      failures: [...this.#failures],
      faults,
      checks: {
        ...this.#checks,
        ...(this.#rules && { 'records sent only to users allowed to read them': this.#rules.leaksChecked }),
      },
      observations: { ...this.#observations },
      simulatedMs: this.clock.now() - 1_700_000_000_000,
      steps: this.clock.steps,
    };
  }

  #count(kind: string): void {
    this.#counts[kind] = (this.#counts[kind] ?? 0) + 1;
  }

  #held(check: string): void {
    this.#checks[check] = (this.#checks[check] ?? 0) + 1;
  }

  #fail(failure: Failure): void {
    this.#failures.push(failure);
    this.trace.event(`FAILED ${failure.kind}: ${failure.detail}`, failure.record);
  }

  // --- operations ----------------------------------------------------------------------------------

  async #operate(): Promise<void> {
    const r = this.#scenario;
    const roll = r.next();
    const client = r.pick(this.clients);
    if (!client.ferry) {
      this.trace.event(`${client.name} opens`);
      await client.open();
      return;
    }
    if (roll < 0.8) {
      const sharing = this.#rules && { user: client.name, users: this.clients.map((c) => c.name) };
      const what = await editRecord(
        client.client.collection(notes),
        client.client.documents.names(),
        r,
        sharing,
      );
      this.#count('edit');
      client.wrote(`${NOTES_PREFIX}${what.id}`);
      const name = `${NOTES_PREFIX}${what.id}`;
      const doc = this.#rules && client.client.documents.get(name);
      const fields = doc && readFields(doc, notes);
      this.trace.event(
        `${client.name} ${what.op} ${what.id}${fields ? ` ${JSON.stringify({ owner: fields.owner, readers: fields.readers })}` : ''}`,
        name,
      );
    } else if (roll < 0.88) {
      const sync = client.client.sync!;
      if (sync.status.connection === 'offline' && r.chance(0.7)) {
        sync.connect();
        this.trace.event(`${client.name} connects`);
      } else {
        sync.disconnect();
        this.#count('client offline');
        this.trace.event(`${client.name} goes offline`);
      }
    } else if (roll < 0.92) {
      const link = this.network.link(client.name, r.pick(this.nodes).name);
      link.partitioned = !link.partitioned;
      if (link.partitioned)
        this.network.faultCounts.set('partition', (this.network.faultCounts.get('partition') ?? 0) + 1);
      this.trace.event(`${link.name} ${link.partitioned ? 'partitioned' : 'joined'}`);
    } else if (roll < 0.95) {
      const on = r.chance(0.6);
      this.network.setFaults(on ? FAULTS : NO_FAULTS);
      this.bus.lossRate = on ? 0.02 : 0;
      this.trace.event(`faults ${on ? 'on' : 'off'}`);
    } else if (roll < 0.96) {
      this.#count('client restart');
      this.trace.event(`${client.name} restarts`);
      await client.close();
      await client.open();
    } else {
      const node = r.pick(this.nodes);
      if (node.up) {
        this.#count('node kill');
        this.trace.event(`${node.name} killed`);
        node.kill();
        this.network.nodeDied(node.name);
      } else {
        this.#count('node restart');
        this.trace.event(`${node.name} restarts`);
        node.start();
      }
    }
  }

  // --- invariants --------------------------------------------------------------------------------------

  /** A record reached `saved`: the relay's storage must hold everything the replica had. */
  #saved(client: SimClient, name: string): void {
    if (this.disk.waiting(name)) {
      this.#fail({
        kind: 'waiting',
        record: name,
        detail: `${client.name} shows ${name} saved, but its stored log holds an update waiting for a change it lacks`,
      });
      return;
    }
    this.#held('nothing stored waits');
    const refused = client.rolledBack.get(name);
    const stateVector = new Map(
      [...client.ownStateVector(name)].filter(([id, clock]) => clock > (refused?.get(id) ?? 0)),
    );
    if (!this.disk.holds(name, stateVector)) {
      this.#fail({
        kind: 'saved-not-stored',
        record: name,
        detail: `${client.name} shows ${name} saved, but storage lacks some of its writes ${JSON.stringify([...stateVector])}`,
      });
      return;
    }
    this.#held('saved only what storage holds');
    let acked = this.#acked.get(name);
    if (!acked) {
      acked = new Map();
      this.#acked.set(name, acked);
    }
    for (const [id, clock] of stateVector) if ((acked.get(id) ?? 0) < clock) acked.set(id, clock);
  }

  /** Faults off, every node up, every client online: then everything must converge and nothing be lost. */
  async #heal(): Promise<void> {
    this.trace.event(`heal after ${this.#ops.done} ops`);
    this.network.setFaults(NO_FAULTS);
    for (const link of this.network.links.values()) link.partitioned = false;
    this.bus.lossRate = 0;
    for (const node of this.nodes) if (!node.up) node.start();
    for (const client of this.clients) {
      if (!client.ferry) await client.open();
      client.client.sync!.connect();
    }
    const settled = await this.clock.until(() => this.#allSynced(), SETTLE_MS);
    if (!settled) {
      this.#stuck();
      return;
    }
    this.#held('pending back to 0');
    // Under rules, replicas hold different records: each must come to match storage.
    const agreed = this.#rules
      ? await this.#untilReplicasMatchStorage()
      : await this.clock.until(() => this.#replicasAgree(), SETTLE_MS, 200);
    const stored = await this.#storedStates(this.#recordNames());
    this.#checkConvergence(stored, agreed);
    this.#checkNothingLost(stored);
    this.#checkNothingWaiting(stored);
    this.#checkBounds();
    this.trace.event(`healed; ${this.clock.steps} steps`);
  }

  #allSynced(): boolean {
    return this.clients.every((c) => {
      const status = c.client.sync!.status;
      return status.state === 'synced' && status.pending === 0;
    });
  }

  #replicasAgree(): boolean {
    const [first, ...others] = this.clients.map((c) => this.#states(c));
    return others.every((states) => sameStates(states, first!));
  }

  #states(client: SimClient): Map<string, string> {
    const states = new Map<string, string>();
    for (const name of client.recordNames())
      states.set(name, describeDocument(client.client.documents.get(name)!));
    return states;
  }

  #stuck(): void {
    for (const client of this.clients) {
      const sync = client.client.sync!;
      const pending = client.recordNames().filter((name) => sync.statusOf(name) !== 'saved');
      if (sync.status.state === 'synced' && pending.length === 0) continue;
      this.#fail({
        kind: 'stuck',
        record: pending[0],
        detail: `${client.name} is ${sync.status.state} with ${sync.status.pending} pending (${pending.join(', ')}) ${SETTLE_MS / 1000} s after healing`,
      });
    }
  }

  /** Every record as storage holds it, merged from its log: what a node that starts now would load. */
  async #storedStates(names: Iterable<string>): Promise<Map<string, StoredRecord>> {
    const stored = new Map<string, StoredRecord>();
    for (const name of [...names].sort()) {
      const doc = await this.disk.document(name);
      stored.set(name, {
        state: describeDocument(doc),
        held: Y.decodeStateVector(Y.encodeStateVector(doc)),
        fields: readFields(doc, notes),
        content: describeContent(doc),
        waiting: isWaiting(doc),
      });
      doc.destroy();
    }
    return stored;
  }

  #recordNames(): Set<string> {
    return new Set([...this.clients.flatMap((c) => c.recordNames()), ...this.#acked.keys()]);
  }

  /** Under rules: waits until every replica holds what storage holds of the records its user may read. */
  async #untilReplicasMatchStorage(): Promise<boolean> {
    const deadline = this.clock.now() + SETTLE_MS;
    for (;;) {
      const stored = await this.#storedStates(this.#recordNames());
      if (this.clients.every((client) => this.#mismatch(client, stored) === undefined)) return true;
      if (this.clock.now() >= deadline) return false;
      await this.clock.advance(200);
    }
  }

  /**
   * The first record a replica holds otherwise than storage: content of a record its user may not read (a
   * copy kept after read access ended), or a readable record not as stored.
   */
  #mismatch(client: SimClient, stored: Map<string, StoredRecord>): Mismatch | undefined {
    for (const [name, record] of stored) {
      const doc = client.client.documents.get(name);
      if (this.#rules && !mayRead(client.name, record.fields)) {
        // Its own changes, refused and rolled back, may stay as an empty document.
        if (doc && hasContent(doc)) return { name, kept: true, holds: describeContent(doc) };
        continue;
      }
      const holds = doc && describeDocument(doc);
      if (holds === record.state) continue;
      // A record rolled back after a refused change keeps the refused items, deleted: its content must match.
      if (doc && client.rolledBack.has(name) && describeContent(doc) === record.content) continue;
      return { name, kept: false, holds: holds ?? 'nothing' };
    }
    return undefined;
  }

  #checkConvergence(stored: Map<string, StoredRecord>, agreed: boolean): void {
    let divergent = 0;
    for (const client of this.clients) {
      const mismatch = this.#mismatch(client, stored);
      if (!mismatch) continue;
      divergent++;
      const { name, kept, holds } = mismatch;
      this.#fail(
        kept
          ? {
              kind: 'kept',
              record: name,
              detail: `${client.name} keeps ${holds} of ${name}, which it may no longer read; storage holds ${stored.get(name)!.content}`,
            }
          : {
              kind: 'divergence',
              record: name,
              detail: `${client.name} holds ${holds}; storage holds ${stored.get(name)!.state}${agreed ? '' : ' (the replicas never agreed)'}`,
            },
      );
    }
    if (divergent === 0) {
      this.#held('convergence');
      if (this.#rules) this.#held('no replica holds a record its user may not read');
    }
    for (const [name, { state }] of stored) this.trace.event(`${name} ${state}`);
  }

  #checkNothingLost(stored: Map<string, { held: Map<number, number> }>): void {
    for (const [name, acked] of [...this.#acked].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const held = stored.get(name)?.held ?? new Map<number, number>();
      const missing = [...acked].filter(([id, clock]) => (held.get(id) ?? 0) < clock);
      if (missing.length > 0) {
        this.#fail({
          kind: 'lost',
          record: name,
          detail: `acknowledged changes ${JSON.stringify(missing)} are gone from storage`,
        });
        continue;
      }
      this.#held('no acknowledged write lost');
    }
  }

  /**
   * Every update the relay stored (and so acknowledged) can be applied: neither the stored log nor a node's
   * loaded copy holds content waiting for a change the relay never got.
   */
  #checkNothingWaiting(stored: Map<string, StoredRecord>): void {
    for (const [name, record] of stored) {
      const loaded = this.nodes.find((node) => {
        const doc = node.relay?.hub.documents.get(name)?.doc;
        return doc !== undefined && isWaiting(doc);
      });
      if (!record.waiting && !loaded) continue;
      this.#fail({
        kind: 'waiting',
        record: name,
        detail: `${record.waiting ? 'the stored log' : `${loaded!.name}'s loaded copy`} holds an update waiting for a change the relay lacks`,
      });
      return;
    }
    this.#held('every stored update applies');
  }

  #checkBounds(): void {
    for (const node of this.nodes) {
      if (node.loadedDocuments > DEFAULT_LIMITS.maxLoadedDocuments)
        this.#fail({ kind: 'unbounded', detail: `${node.name} holds ${node.loadedDocuments} documents` });
      const sockets = this.network.socketsOf(node.name);
      if (sockets > this.clients.length * 4)
        this.#fail({
          kind: 'unbounded',
          detail: `${node.name} keeps ${sockets} sockets for ${this.clients.length} clients`,
        });
    }
    if (this.clock.pending > 1_000 * this.clients.length)
      this.#fail({ kind: 'unbounded', detail: `${this.clock.pending} timers pending` });
    this.#held('bounded memory');
  }
}

interface Mismatch {
  readonly name: string;
  /** Content of a record its user may not read, rather than a readable record not as stored. */
  readonly kept: boolean;
  readonly holds: string;
}

interface StoredRecord {
  readonly state: string;
  readonly held: Map<number, number>;
  readonly fields: Record<string, unknown>;
  /** Its fields and metadata, without how Yjs holds them. */
  readonly content: string;
  readonly waiting: boolean;
}

/** Whether Yjs keeps content of the document aside, waiting for a change it does not hold. */
function isWaiting(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

/** Yjs must draw client ids from the seeded stream, or the same seed could merge differently. */
function assertSeededIds(): void {
  const idFrom = (seed: number) => {
    useSeededIds(seededRandom(seed));
    const doc = new Y.Doc();
    useSeededIds(undefined);
    doc.destroy();
    return doc.clientID;
  };
  const first = idFrom(1);
  if (idFrom(1) !== first)
    throw new Error('Yjs client ids are not seeded: import seededYjs.js before anything that loads Yjs.');
}

function sameStates(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, state] of a) if (b.get(name) !== state) return false;
  return true;
}
