import type { Random } from '@ferry/core/testing';
import * as Y from 'yjs';
import { MemoryServerStorage } from '../../src/storage/MemoryServerStorage.js';
import type {
  AppendEntry,
  AppendResult,
  ChangesOptions,
  ChangesPage,
  ChangesSize,
  ChangesSizeOptions,
  CompactOptions,
  IndexedRecord,
  LogEntry,
  ReadersChangesOptions,
  ReadersChangesPage,
  ServerStorage,
} from '../../src/storage/ServerStorage.js';
import type { SimClock } from './SimClock.js';
import { withRealIds } from './seededYjs.js';

/**
 * The relay's durable store, shared by every node (as PostgreSQL is) and surviving their deaths. It also
 * keeps, per document and Yjs client, which clock ranges its log holds, to check acknowledgements against:
 * an update may be held before it can be applied (it builds on a change still to come from elsewhere).
 */
export class SimDisk {
  readonly store = new MemoryServerStorage();
  readonly #held = new Map<string, Map<number, Ranges>>();
  torn = 0;
  committedAtDeath = 0;

  /** Applies committed entries: from now on they survive anything. */
  async commit(entries: readonly AppendEntry[]): Promise<AppendResult> {
    const result = await this.store.append(entries);
    for (const entry of entries) {
      let held = this.#held.get(entry.name);
      if (!held) {
        held = new Map();
        this.#held.set(entry.name, held);
      }
      const { from, to } = Y.parseUpdateMeta(entry.update);
      for (const [client, end] of to) {
        let ranges = held.get(client);
        if (!ranges) {
          ranges = new Ranges();
          held.set(client, ranges);
        }
        ranges.add(from.get(client) ?? 0, end);
      }
    }
    return result;
  }

  /** Whether the log holds every change in `stateVector` (clocks below it, per client) of document `name`. */
  holds(name: string, stateVector: ReadonlyMap<number, number>): boolean {
    const held = this.#held.get(name);
    for (const [client, clock] of stateVector) if (!held?.get(client)?.covers(clock)) return false;
    return true;
  }

  /** The document as stored, merged from its log (to compare with the replicas). */
  async document(name: string): Promise<Y.Doc> {
    const doc = withRealIds(() => new Y.Doc());
    const updates = await this.store.load(name);
    if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates));
    return doc;
  }
}

/** Disjoint clock ranges [from, to) of one Yjs client, merged as they are added. */
class Ranges {
  #ranges: [number, number][] = [];

  add(from: number, to: number): void {
    const merged: [number, number][] = [];
    let next: [number, number] = [from, to];
    for (const range of this.#ranges) {
      if (range[1] < next[0] || range[0] > next[1]) merged.push(range);
      else next = [Math.min(range[0], next[0]), Math.max(range[1], next[1])];
    }
    merged.push(next);
    this.#ranges = merged.sort((a, b) => a[0] - b[0]);
  }

  /** Whether every clock below `clock` is held. */
  covers(clock: number): boolean {
    const first = this.#ranges[0];
    return clock === 0 || (first !== undefined && first[0] === 0 && first[1] >= clock);
  }
}

interface Operation {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  append?: readonly AppendEntry[];
}

/**
 * One node's connection to the disk: every operation takes a simulated while, in order. When the node is
 * killed, what it had in flight never answers; an append in flight was either committed before the death or
 * torn (a partly written transaction, discarded at recovery): the durability contract allows either, as
 * long as it was never acknowledged.
 */
export class NodeStorage implements ServerStorage {
  readonly #queue: Operation[] = [];
  #busy = false;
  #dead = false;

  constructor(
    private readonly disk: SimDisk,
    private readonly clock: SimClock,
    private readonly owner: string,
    private readonly random: Random,
  ) {}

  /** The node died: decide the fate of the append in flight, and answer nothing any more. */
  kill(): void {
    this.#dead = true;
    const inFlight = this.#queue[0];
    if (inFlight?.append && this.#busy) {
      if (this.random.chance(0.5)) {
        this.disk.committedAtDeath++;
        void this.disk.commit(inFlight.append);
      } else this.disk.torn++;
    }
    this.#queue.length = 0;
  }

  #do<T>(run: () => Promise<T>, append?: readonly AppendEntry[]): Promise<T> {
    if (this.#dead) return new Promise<T>(() => {});
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (value: unknown) => void, reject, append });
      this.#next();
    });
  }

  #next(): void {
    if (this.#busy || this.#dead) return;
    const operation = this.#queue[0];
    if (!operation) return;
    this.#busy = true;
    // A commit waits for the disk (an fsync); reads are quicker. Kills land in both.
    const latency = operation.append ? this.random.int(2, 25) : this.random.int(0, 4);
    this.clock.schedule(this.owner, latency, () => {
      if (this.#dead) return;
      operation.run().then(
        (value) => {
          if (this.#dead) return;
          this.#queue.shift();
          this.#busy = false;
          operation.resolve(value);
          this.#next();
        },
        (error) => {
          if (this.#dead) return;
          this.#queue.shift();
          this.#busy = false;
          operation.reject(error);
          this.#next();
        },
      );
    });
  }

  load(name: string): Promise<Uint8Array[]> {
    return this.#do(() => this.disk.store.load(name));
  }
  append(entries: readonly AppendEntry[]): Promise<AppendResult> {
    return this.#do(() => this.disk.commit(entries), entries);
  }
  changes(collection: string, cursor: string, options?: ChangesOptions): Promise<ChangesPage> {
    return this.#do(() => this.disk.store.changes(collection, cursor, options));
  }
  history(name: string): Promise<LogEntry[]> {
    return this.#do(() => this.disk.store.history(name));
  }
  logBefore(name: string, cursor: string): Promise<LogEntry[]> {
    return this.#do(() => this.disk.store.logBefore(name, cursor));
  }
  compact(
    name: string,
    merge: (updates: Uint8Array[]) => Uint8Array,
    options?: CompactOptions,
  ): Promise<number> {
    return this.#do(() => this.disk.store.compact(name, merge, options));
  }
  setAside(name: string, cursors: readonly string[]): Promise<void> {
    return this.#do(() => this.disk.store.setAside(name, cursors));
  }
  setAsideOf(name: string): Promise<LogEntry[]> {
    return this.#do(() => this.disk.store.setAsideOf(name));
  }
  documentNames(after: string, limit: number): Promise<string[]> {
    return this.#do(() => this.disk.store.documentNames(after, limit));
  }
  readersChanges(
    collection: string,
    reader: string,
    cursor: string,
    options: ReadersChangesOptions,
  ): Promise<ReadersChangesPage> {
    return this.#do(() => this.disk.store.readersChanges(collection, reader, cursor, options));
  }
  indexReaders(collection: string, records: readonly IndexedRecord[]): Promise<void> {
    return this.#do(() => this.disk.store.indexReaders(collection, records));
  }
  changesSize(collection: string, cursor: string, options?: ChangesSizeOptions): Promise<ChangesSize> {
    return this.#do(() => this.disk.store.changesSize(collection, cursor, options));
  }
  head(collection: string): Promise<string> {
    return this.#do(() => this.disk.store.head(collection));
  }
  readMark(key: string): Promise<string> {
    return this.#do(() => this.disk.store.readMark(key));
  }
  writeMark(key: string, cursor: string): Promise<void> {
    return this.#do(() => this.disk.store.writeMark(key, cursor));
  }
  ping(): Promise<void> {
    return this.#do(async () => {});
  }
  async close(): Promise<void> {}
}
