import * as Y from 'yjs';
import { ClosedError, StorageError } from '../errors.js';
import type { LocalStorage } from '../storage/LocalStorage.js';
import { Emitter } from '../util/Emitter.js';
import { FROM_STORAGE } from './origins.js';

/**
 * Names one change made on some replica of this device: the replica (a tab) and the change's number
 * there, counting up across all its documents. Other tabs learn it with the change itself, so the device's
 * outbox can say which changes an acknowledgement covers, whichever tab made them.
 */
export interface ChangeId {
  readonly by: string;
  readonly seq: number;
}

export interface DocumentChange {
  readonly name: string;
  readonly doc: Y.Doc;
  /** What changed it: the one update Yjs encoded for a local transaction, or the updates applied together. */
  readonly updates: readonly Uint8Array[];
  /** The transaction's origin: FROM_TAB, a sync link, an UndoManager, or whatever the editor used. */
  readonly origin: unknown;
  /** True for edits made on this replica (not applied from an update). */
  readonly local: boolean;
  /**
   * Which change this is, for edits made on this replica and for changes applied from another tab of the
   * device; absent for what came from the relay.
   */
  readonly made?: ChangeId;
}

export interface ReplicaEvents {
  /** A document appeared: opened from storage, created locally or received. */
  added: { name: string; doc: Y.Doc };
  /** A document changed; fired once per Yjs transaction that changed something. */
  change: DocumentChange;
  /** The local store failed; the change stays in memory and is retried with the next write or flush(). */
  error: StorageError;
  /** A document was let go of (see forget): whoever shows it drops it. */
  forgotten: { name: string };
}

/**
 * The set of Yjs documents a client holds, each persisted to the local store. Every change is queued and
 * written at the end of the current tick, one merged entry per document, so a burst of keystrokes costs one
 * storage write and all documents changed in one tick share one store transaction.
 */
export class Replica {
  readonly #docs = new Map<string, Y.Doc>();
  readonly #listeners = new WeakMap<
    Y.Doc,
    (update: Uint8Array, origin: unknown, doc: Y.Doc, transaction: Y.Transaction) => void
  >();
  readonly #events = new Emitter<ReplicaEvents>();
  #queue = new Map<string, Uint8Array[]>();
  readonly #beforeFlush: (() => void)[] = [];
  #nextFlush: Promise<void> | undefined;
  #lastFlush: Promise<void> = Promise.resolve();
  #closed = false;
  #changes = 0;

  private constructor(
    readonly storage: LocalStorage,
    /** This replica's name among the device's tabs (random, new on every open). */
    readonly id: string,
  ) {}

  /** Opens every document held in the store. */
  static async open(storage: LocalStorage, random: () => number = Math.random): Promise<Replica> {
    const replica = new Replica(storage, replicaId(random));
    let stored: Awaited<ReturnType<LocalStorage['loadAll']>>;
    try {
      stored = await storage.loadAll();
    } catch (error) {
      throw asStorageError(error, 'Could not read the local store');
    }
    for (const { name, updates } of stored) replica.#register(name, updates);
    return replica;
  }

  on = this.#events.on.bind(this.#events);

  get(name: string): Y.Doc | undefined {
    return this.#docs.get(name);
  }

  /** The document with this name, created empty when the replica does not hold it yet. */
  open(name: string): Y.Doc {
    this.#checkOpen();
    const existing = this.#docs.get(name);
    if (existing) return existing;
    const doc = this.#register(name);
    this.#events.emit('added', { name, doc });
    return doc;
  }

  /**
   * Runs `listener` at the start of every flush, before the batch is taken: bookkeeping written there (an
   * outbox entry, say) is stored in the same batch as the changes that caused it.
   */
  beforeFlush(listener: () => void): void {
    this.#beforeFlush.push(listener);
  }

  /** Makes a flush run soon even with no change queued, so that `beforeFlush` bookkeeping is written. */
  requestFlush(): void {
    if (this.#closed) return;
    this.#nextFlush ??= this.#scheduleFlush();
  }

  names(): IterableIterator<string> {
    return this.#docs.keys();
  }

  /** Resolves once every change made so far is in the local store; rejects with a StorageError. */
  flush(): Promise<void> {
    if (this.#queue.size > 0) this.#nextFlush ??= this.#scheduleFlush();
    return this.#nextFlush ?? this.#lastFlush;
  }

  /** Flushes, then releases every document and the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      for (const doc of this.#docs.values()) doc.destroy();
      this.#docs.clear();
      await this.storage.close();
    }
  }

  /**
   * Lets go of a document this device may no longer read: out of memory at once and, once a write of it in
   * flight has landed, out of the store, with whatever of it was still waiting to be written. `forgotten` is
   * emitted before the document is destroyed. Opening the name again starts an empty document.
   */
  async forget(name: string): Promise<void> {
    const doc = this.#docs.get(name);
    if (!doc) return;
    this.#docs.delete(name);
    this.#queue.delete(name);
    const listener = this.#listeners.get(doc);
    if (listener) doc.off('update', listener);
    this.#events.emit('forgotten', { name });
    doc.destroy();
    await this.#lastFlush.catch(() => {});
    try {
      await this.storage.remove(name);
    } catch (error) {
      this.#events.emit('error', asStorageError(error, 'Could not remove a record from the local store'));
    }
  }

  /**
   * Applies updates that came from elsewhere (the relay, another tab) to one document, in one transaction:
   * observers and listeners see one change however many updates a frame carried. They are stored as
   * received instead of being encoded again by Yjs, which for a first sync of thousands of records is a good
   * part of the work. Updates from another tab are stored here too, although that tab stores them: it may
   * close before its write lands, and this tab's later edits build on them. `made` names such a change.
   * Returns whether they held anything new. An update Yjs cannot read is left out of the store, and its
   * error thrown once the others are applied and stored.
   */
  applyRemote(name: string, updates: readonly Uint8Array[], origin: unknown, made?: ChangeId): boolean {
    const doc = this.open(name);
    const listener = this.#listeners.get(doc)!;
    let attached = false;
    const attach = () => {
      if (attached) return;
      attached = true;
      doc.off('beforeObserverCalls', onTransaction);
      doc.on('update', listener);
    };
    let remote: Y.Transaction | undefined;
    // Local changes an observer makes in reaction to these updates run as transactions of their own, after
    // this one: the listener is back before theirs are encoded.
    const onTransaction = (transaction: Y.Transaction) => {
      if (transaction !== remote) attach();
    };
    let changed = false;
    const applied: Uint8Array[] = [];
    let unreadable: unknown;
    doc.off('update', listener);
    doc.on('beforeObserverCalls', onTransaction);
    try {
      doc.transact((transaction) => {
        remote = transaction;
        for (const update of updates) {
          try {
            Y.applyUpdate(doc, update, origin);
            applied.push(update);
          } catch (error) {
            unreadable ??= error;
          }
        }
        changed = transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0;
      }, origin);
    } finally {
      attach();
    }
    // Content waiting for a missing dependency is new too: it must be stored, or a restart would lose it.
    changed ||= doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
    if (changed) {
      for (const update of applied) this.#enqueue(name, update);
      this.#events.emit('change', { name, doc, updates: applied, origin, local: false, made });
    }
    if (unreadable !== undefined) throw unreadable;
    return changed;
  }

  /** Creates the document, fills it from what was stored, then starts watching it. */
  #register(name: string, stored: readonly Uint8Array[] = []): Y.Doc {
    // The name is a unique guid already; a random one would cost more than the rest of opening.
    const doc = new Y.Doc({ guid: name });
    if (stored.length > 0) {
      doc.transact(() => {
        for (const update of stored) Y.applyUpdate(doc, update, FROM_STORAGE);
      }, FROM_STORAGE);
    }
    this.#docs.set(name, doc);
    const listener = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
      this.#enqueue(name, update);
      const local = transaction.local;
      const made = local ? { by: this.id, seq: ++this.#changes } : undefined;
      this.#events.emit('change', { name, doc, updates: [update], origin, local, made });
    };
    this.#listeners.set(doc, listener);
    doc.on('update', listener);
    return doc;
  }

  #enqueue(name: string, update: Uint8Array): void {
    if (this.#closed) return;
    const updates = this.#queue.get(name);
    if (updates) updates.push(update);
    else this.#queue.set(name, [update]);
    this.#nextFlush ??= this.#scheduleFlush();
  }

  #scheduleFlush(): Promise<void> {
    const previous = this.#lastFlush;
    const flush = (async () => {
      // Waiting for the previous write also lets the rest of this tick's changes join this batch.
      await previous.catch(() => {});
      for (const listener of this.#beforeFlush) listener();
      const batch = this.#queue;
      this.#queue = new Map();
      this.#nextFlush = undefined;
      // Appended one by one, in the same tick (IndexedDBStorage writes them in one transaction): merging
      // them first with Y.mergeUpdates cost more than everything else the flush does. The live document
      // goes with them: it holds the whole log, so a store compacts by encoding it.
      const writes = [...batch].flatMap(([name, updates]) => {
        const doc = this.#docs.get(name);
        return updates.map((update) => this.storage.append(name, update, doc));
      });
      const results = await Promise.allSettled(writes);
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed < 0) return;
      // Put the whole batch back in front of anything queued since, to be written by the next flush.
      for (const [name, updates] of batch)
        this.#queue.set(name, [...updates, ...(this.#queue.get(name) ?? [])]);
      const error = asStorageError(
        (results[failed] as PromiseRejectedResult).reason,
        'Could not save to the local store',
      );
      this.#events.emit('error', error);
      throw error;
    })();
    this.#lastFlush = flush;
    flush.catch(() => {});
    return flush;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('This Ferry client');
  }
}

function replicaId(random: () => number): string {
  return Math.floor(random() * 36 ** 8)
    .toString(36)
    .padStart(8, '0');
}

function asStorageError(error: unknown, context: string): StorageError {
  if (error instanceof StorageError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(`${context}: ${reason}. Your changes are kept in memory.`, { cause: error });
}
