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
 * replays, per document, every committed entry into a document of its own, to check acknowledgements
 * against what the log can actually apply: a change held in the log but waiting for one it lacks counts as
 * not held.
 */
export class SimDisk {
  readonly store = new MemoryServerStorage();
  readonly #applied = new Map<string, Y.Doc>();
  torn = 0;
  committedAtDeath = 0;

  /** Applies committed entries: from now on they survive anything. */
  async commit(entries: readonly AppendEntry[]): Promise<AppendResult> {
    const result = await this.store.append(entries);
    for (const entry of entries) {
      let doc = this.#applied.get(entry.name);
      if (!doc) {
        doc = withRealIds(() => new Y.Doc());
        this.#applied.set(entry.name, doc);
      }
      Y.applyUpdate(doc, entry.update);
    }
    return result;
  }

  /** Whether the log holds, applied, every change in `stateVector` (clocks below it, per client) of `name`. */
  holds(name: string, stateVector: ReadonlyMap<number, number>): boolean {
    const doc = this.#applied.get(name);
    for (const [client, clock] of stateVector) {
      if (clock > 0 && (!doc || Y.getState(doc.store, client) < clock)) return false;
    }
    return true;
  }

  /** Whether the log of `name` holds content that waits for a change it does not hold. */
  waiting(name: string): boolean {
    const doc = this.#applied.get(name);
    return doc !== undefined && (doc.store.pendingStructs !== null || doc.store.pendingDs !== null);
  }

  /** The document as stored, merged from its log (to compare with the replicas). */
  async document(name: string): Promise<Y.Doc> {
    const doc = withRealIds(() => new Y.Doc());
    const updates = await this.store.load(name);
    if (updates.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(updates));
    return doc;
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
