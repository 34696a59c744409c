import {
  type CollectionDefinition,
  checkUpdate,
  DocumentErrorCode,
  type Logger,
  parseDocumentName,
  realTimers,
  type Timer,
} from '@ferry/core';
import { applyAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Principal } from '../auth/Auth.js';
import { type RecordChange, RecordRules } from '../auth/RecordRules.js';
import type { AwarenessMessage, Fanout, UpdateMessage } from '../fanout/Fanout.js';
import { DEFAULT_LIMITS } from '../Limits.js';
import type { Metrics } from '../Metrics.js';
import { checkAwareness, type PresenceLimits } from '../presence/checkAwareness.js';
import type { ServerStorage } from '../storage/ServerStorage.js';
import { CollectionFeed, type CollectionSubscriber } from './CollectionFeed.js';
import { CommitQueue } from './CommitQueue.js';
import { refuseContent } from './checkContent.js';
import { DocumentError } from './errors.js';
import type { LoadedDocument, Subscriber } from './LoadedDocument.js';
import { LoadedDocuments, type LoadedDocumentsOptions } from './LoadedDocuments.js';
import { type RecordView, viewRecord } from './RecordView.js';
import { replayLog } from './replayLog.js';
import {
  IncompleteUpdateError,
  isWaiting,
  putBackWaiting,
  takeWaiting,
  undoWaiting,
} from './waitingContent.js';

export type { CollectionSubscriber } from './CollectionFeed.js';

export interface HubOptions extends LoadedDocumentsOptions {
  /** Refuse pushes while this many bytes wait for storage. */
  maxPendingCommitBytes: number;
  /** Wait this long for an update another node sent out of order before reading it from storage. */
  gapTimeoutMs: number;
  /**
   * With several nodes: compare each followed collection with storage this often, so that a message lost
   * between nodes with no later one to reveal it still arrives.
   */
  headCheckMs: number;
  now: () => number;
  /** Presence from other nodes is checked against these too (default: the default limits). */
  presenceLimits?: PresenceLimits;
  /** How deeply a record's values may nest (default: the default limit). */
  maxNestingDepth?: number;
  /** Collections whose schema the relay knows, by name: changes to their records must fit it. */
  definitions?: ReadonlyMap<string, CollectionDefinition>;
  /** Record-level rules: who may read and change a record, by its content. */
  rules?: RecordRules;
}

/** A record as it is now: what rules see of it, and its whole state for a reader allowed to have it. */
export interface RecordSnapshot {
  readonly view: RecordView;
  wholeState(): Uint8Array;
}

/**
 * An update applied in memory. `committed` resolves once it is in storage and forwarded, with its cursor
 * (undefined when the relay had it already).
 */
export interface Applied {
  readonly committed: Promise<string | undefined>;
}

/** Transaction origin of updates that came from another relay node or were read back from storage. */
const FROM_RELAY_NODE = Symbol('ferry:relay-node');

/**
 * Where changes meet. A client's update is checked, applied to its document (loaded if nobody has it open)
 * and forwarded at once to the document's and the collection's subscribers on this node; it is committed in
 * a group, and only then published to the other relay nodes, counted in the collection's
 * cursor, and acknowledged to its sender. A subscriber may thus hold an update a crash kept from storage;
 * its sender, not acknowledged, still has it in its outbox and sends it again.
 */
export class DocumentHub {
  readonly commits: CommitQueue;
  readonly documents: LoadedDocuments;
  readonly rules: RecordRules;
  /** Followed collections whose head has been read: the only feeds with subscribers. */
  readonly #feeds = new Map<string, CollectionFeed>();
  /** Feeds still reading their collection's head. */
  readonly #readingHeads = new Map<string, Promise<CollectionFeed>>();
  readonly #headChecks: Timer | undefined;

  constructor(
    readonly storage: ServerStorage,
    private readonly options: HubOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly fanout?: Fanout,
  ) {
    this.rules = options.rules ?? new RecordRules();
    this.commits = new CommitQueue(storage, metrics, logger, options.timers);
    this.documents = new LoadedDocuments(storage, this.commits, options, metrics, logger);
    if (!fanout) return;
    fanout.listen({
      update: (message) => void this.#fromNode(message),
      awareness: (message) => void this.#awarenessFromNode(message),
      gap: () => {
        for (const feed of this.#feeds.values()) void feed.catchUp();
      },
    });
    this.#headChecks = (options.timers ?? realTimers)
      .setInterval(() => {
        for (const feed of this.#feeds.values()) void feed.checkHead();
      }, options.headCheckMs)
      .unref();
  }

  get loadedCount(): number {
    return this.documents.size;
  }

  /** The document, loaded from storage if needed. Throws DocumentError(LoadFailed) if it cannot be. */
  async open(name: string): Promise<LoadedDocument> {
    // Updates from other nodes must reach it: its collection's feed notices any that go missing. The feed
    // comes first: it counts everything up to the head it read as delivered, which only holds for a
    // document loaded after that read. Loaded before it, the document could miss an update committed in
    // between, which the feed would then drop as already seen.
    const collection = parseDocumentName(name)?.collection;
    if (this.fanout && collection) await this.#feed(collection);
    return this.documents.open(name);
  }

  /**
   * The record as it is now, as rules see it, with its whole state: from memory when it is loaded, else
   * read from storage without loading it (a scan of many records must not fill the loaded documents).
   */
  async snapshot(name: string): Promise<RecordSnapshot> {
    const collection = parseDocumentName(name)?.collection ?? '';
    const document = await this.documents.find(name).catch(() => undefined);
    if (document)
      return { view: this.#view(document), wholeState: () => Y.encodeStateAsUpdate(document.doc) };
    const { doc } = replayLog(await this.storage.load(name), (update) => update, name);
    const view = viewRecord(collection, name.slice(collection.length + 1), doc, this.definition(collection));
    return { view, wholeState: () => Y.encodeStateAsUpdate(doc) };
  }

  /**
   * The record as it was when its collection's cursor stood at `cursor`, rebuilt from its log; what the log
   * no longer holds apart (compacted into a later entry) is left out, so a record whose past is merged away
   * looks as if it did not exist then.
   */
  async viewAt(name: string, cursor: string): Promise<RecordView> {
    const collection = parseDocumentName(name)?.collection ?? '';
    const entries = await this.storage.history(name);
    const earlier = entries.filter((entry) => Number(entry.cursor) <= Number(cursor));
    const { doc } = replayLog(earlier, (entry) => entry.update, name);
    const view = viewRecord(collection, name.slice(collection.length + 1), doc, this.definition(collection));
    doc.destroy();
    return view;
  }

  subscribe(document: LoadedDocument, subscriber: Subscriber): void {
    this.documents.subscribe(document, subscriber);
  }

  unsubscribe(document: LoadedDocument, subscriber: Subscriber): void {
    this.documents.unsubscribe(document, subscriber);
  }

  /**
   * Follows every change to a collection from now on. A subscriber that narrows what it receives by the
   * records' content says so: every change then carries the record before and after it.
   */
  async subscribeCollection(
    collection: string,
    subscriber: CollectionSubscriber,
    byContent = false,
  ): Promise<void> {
    const feed = await this.#feed(collection);
    feed.subscribers.add(subscriber);
    if (byContent) feed.byContent.add(subscriber);
  }

  unsubscribeCollection(collection: string, subscriber: CollectionSubscriber): void {
    // After the feed is ready, like the subscribe it may overtake (which waits for it too).
    const feed = this.#feeds.get(collection);
    void (feed ? Promise.resolve(feed) : this.#readingHeads.get(collection))?.then(
      (ready) => {
        ready.subscribers.delete(subscriber);
        ready.byContent.delete(subscriber);
      },
      () => {},
    );
  }

  /**
   * Applies a client's update to its document, loaded first if nobody has it open: nothing Yjs cannot apply
   * to it is ever stored. Resolves once it is checked, applied and forwarded to this node's subscribers,
   * with `committed`, which resolves once it is in storage. A duplicate of what the relay already has is
   * committed once the copy it already has is. Under a write rule, the principal must be allowed to change
   * the record as it was (unless it did not exist) and as the update leaves it; else it is refused with
   * Forbidden and nothing of it is kept.
   */
  async apply(
    name: string,
    update: Uint8Array,
    origin: Subscriber | null,
    principal: Principal,
  ): Promise<Applied> {
    if (this.commits.pendingBytes > this.options.maxPendingCommitBytes) {
      throw new DocumentError(
        DocumentErrorCode.StorageFailed,
        'The relay cannot store changes right now; try again later.',
      );
    }
    this.#check(update);
    const document = (await this.documents.find(name)) ?? (await this.open(name));
    this.documents.hold(document);
    const readRule = this.#decidesByContent(document.collection);
    let before: RecordView | undefined;
    try {
      before = readRule || this.rules.writesByContent(document.collection) ? this.#view(document) : undefined;
      if (!this.#applyToDocument(document, update, origin, principal, before)) {
        return {
          committed: this.commits.commit().then(() => {
            this.documents.release(document);
            return undefined;
          }),
        };
      }
    } catch (error) {
      this.documents.release(document);
      throw error;
    }
    const entry = {
      name,
      collection: document.collection,
      update,
      actor: principal.id,
      at: this.options.now(),
      // Under an indexed read rule, who may read the record now is kept with the change.
      readers: this.rules.indexed(document.collection)
        ? this.rules.readersOf(this.#view(document))
        : undefined,
    };
    this.#deliver(
      name,
      document.collection,
      update,
      origin,
      readRule ? this.#change(document, before!) : undefined,
    );
    const committed = this.commits.commit(entry).then((cursor) => {
      this.documents.stored(document, update.byteLength);
      this.documents.release(document);
      this.#committed(entry.name, entry.collection, update, cursor!);
      return cursor;
    });
    return { committed };
  }

  /** Forwards an awareness update to the document's other subscribers, here and on the other nodes. */
  forwardAwareness(document: LoadedDocument, update: Uint8Array, origin: Subscriber | null): void {
    const record = this.#ruledView(document);
    for (const subscriber of document.subscribers) {
      if (subscriber !== origin) subscriber.deliverAwareness(document.name, update, record);
    }
    this.fanout?.publishAwareness({ name: document.name, update });
  }

  /** Commits everything pending and unloads every document. */
  async close(): Promise<void> {
    this.#headChecks?.cancel();
    await this.commits.close();
    for (const feed of this.#feeds.values()) feed.close();
    this.documents.close();
  }

  /**
   * An update is in storage (it was forwarded to this node's subscribers already, as soon as it was checked):
   * tell the other nodes, and let the collection's cursor move past it.
   */
  #committed(name: string, collection: string, update: Uint8Array, cursor: string): void {
    this.metrics.updatesIn.inc();
    this.fanout?.publishUpdate({ name, collection, cursor, update });
    this.#feeds.get(collection)?.saw(cursor);
  }

  async #fromNode(message: UpdateMessage): Promise<void> {
    const feed =
      this.#feeds.get(message.collection) ??
      (await this.#readingHeads.get(message.collection)?.catch(() => undefined));
    if (feed?.has(message.cursor)) return;
    await this.#fromElsewhere(message.name, message.update, message.cursor);
    feed?.saw(message.cursor);
  }

  /** An update committed by another node (or read back from storage after a gap), with its cursor. */
  async #fromElsewhere(name: string, update: Uint8Array, cursor: string): Promise<void> {
    const parsed = parseDocumentName(name);
    const readRule = parsed !== undefined && this.#decidesByContent(parsed.collection);
    const document = await this.documents.find(name).catch(() => undefined);
    let change: RecordChange | undefined;
    if (document) {
      const before = readRule ? this.#view(document) : undefined;
      try {
        Y.applyUpdate(document.doc, update, FROM_RELAY_NODE);
        if (before) change = this.#change(document, before);
      } catch (error) {
        this.logger.error(
          { err: error, document: name },
          'an update from another node did not apply; reloading',
        );
        this.documents.reload(document);
      }
    } else if (readRule && this.#feeds.get(parsed.collection)?.subscribers.size) {
      change = await this.#changeFromLog(name, parsed.collection, update, cursor);
    }
    if (parsed) this.#deliver(name, parsed.collection, update, null, change);
  }

  /**
   * The record before and after an update committed elsewhere, for a record this node does not hold: rebuilt
   * from the log entries committed before it. Readers must learn whether the update took the record from
   * them or gave it to them, which the stored record alone, holding the update already, cannot tell.
   */
  async #changeFromLog(
    name: string,
    collection: string,
    update: Uint8Array,
    cursor: string,
  ): Promise<RecordChange | undefined> {
    const earlier = await this.storage.logBefore(name, cursor).catch(() => undefined);
    if (!earlier) return undefined;
    const { doc } = replayLog(earlier, (entry) => entry.update, name);
    const id = name.slice(collection.length + 1);
    const definition = this.definition(collection);
    const before = viewRecord(collection, id, doc, definition);
    try {
      Y.applyUpdate(doc, update);
    } catch {
      return undefined;
    }
    const after = viewRecord(collection, id, doc, definition);
    return { before, after, wholeState: () => Y.encodeStateAsUpdate(doc) };
  }

  async #awarenessFromNode(message: AwarenessMessage): Promise<void> {
    const document = await this.documents.find(message.name).catch(() => undefined);
    if (!document || document.subscribers.size === 0) return;
    if (checkAwareness(message.update, this.options.presenceLimits ?? DEFAULT_LIMITS)) return;
    try {
      applyAwarenessUpdate(document.awareness, message.update, FROM_RELAY_NODE);
    } catch {
      return;
    }
    const record = this.#ruledView(document);
    for (const subscriber of document.subscribers)
      subscriber.deliverAwareness(message.name, message.update, record);
  }

  #deliver(
    name: string,
    collection: string,
    update: Uint8Array,
    origin: Subscriber | null,
    change: RecordChange | undefined,
  ): void {
    const documentSubscribers = this.#documentSubscribers(name);
    for (const subscriber of documentSubscribers) {
      if (subscriber !== origin) subscriber.deliver(name, update, change);
    }
    // A feed that is still reading its head has no subscribers yet.
    const feed = this.#feeds.get(collection);
    if (!feed) return;
    for (const subscriber of feed.subscribers) {
      if (subscriber !== origin && !documentSubscribers.has(subscriber))
        subscriber.deliver(name, update, change);
    }
  }

  /** Whether who receives a change to the collection's records decides by their content. */
  #decidesByContent(collection: string): boolean {
    return this.rules.readsByContent(collection) || (this.#feeds.get(collection)?.byContent.size ?? 0) > 0;
  }

  /** Whether `principal` may read the loaded record as it is now, by its collection's read rule if any. */
  readableBy(principal: Principal, document: LoadedDocument): boolean {
    if (!this.rules.readsByContent(document.collection)) return true;
    return this.rules.canRead(principal, this.#view(document));
  }

  /** The collection's schema, when the relay knows it. */
  definition(collection: string): CollectionDefinition | undefined {
    return this.options.definitions?.get(collection);
  }

  #view(document: LoadedDocument): RecordView {
    return document.view(this.definition(document.collection));
  }

  /** The record as it is, when its collection has a read rule that readers of its presence must pass. */
  #ruledView(document: LoadedDocument): RecordView | undefined {
    return this.rules.readsByContent(document.collection) ? this.#view(document) : undefined;
  }

  /** A change just applied to a loaded document; the whole state is encoded only if a reader needs it. */
  #change(document: LoadedDocument, before: RecordView): RecordChange {
    return { before, after: this.#view(document), wholeState: () => Y.encodeStateAsUpdate(document.doc) };
  }

  #documentSubscribers(name: string): ReadonlySet<Subscriber> {
    return this.documents.get(name)?.subscribers ?? NO_SUBSCRIBERS;
  }

  #feed(collection: string): Promise<CollectionFeed> {
    const ready = this.#feeds.get(collection);
    if (ready) return Promise.resolve(ready);
    let reading = this.#readingHeads.get(collection);
    if (!reading) {
      reading = this.storage.head(collection).then((head) => {
        const feed = new CollectionFeed(
          collection,
          head,
          this.storage,
          (name, update, cursor) => this.#fromElsewhere(name, update, cursor),
          this.options.gapTimeoutMs,
          this.logger,
          this.options.timers,
        );
        this.#feeds.set(collection, feed);
        return feed;
      });
      this.#readingHeads.set(collection, reading);
      const done = () => this.#readingHeads.delete(collection);
      reading.then(done, done);
    }
    return reading;
  }

  #check(update: Uint8Array): void {
    try {
      checkUpdate(update);
    } catch (error) {
      throw new DocumentError(
        DocumentErrorCode.InvalidUpdate,
        `${(error as Error).message} It was not applied.`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Applies a checked update to the in-memory document, and checks what it added against the record's rules
   * (nesting, and its collection's schema when known). Returns whether it held anything new. A refused update
   * may have been applied in part: the document is then rebuilt from storage. One that would leave content
   * waiting for a change the relay lacks is refused with IncompleteUpdateError.
   */
  #applyToDocument(
    document: LoadedDocument,
    update: Uint8Array,
    origin: unknown,
    principal: Principal,
    before: RecordView | undefined,
  ): boolean {
    const doc = document.doc;
    const rules = {
      maxNestingDepth: this.options.maxNestingDepth ?? DEFAULT_LIMITS.maxNestingDepth,
      definition: this.options.definitions?.get(document.collection),
    };
    let changed = false;
    let refusal: string | undefined;
    let incomplete: { stateVector: Uint8Array; undone: boolean } | undefined;
    const waiting = takeWaiting(doc);
    try {
      doc.transact((transaction) => {
        Y.applyUpdate(doc, update, origin);
        if (isWaiting(doc)) {
          // See waitingContent.ts: the sender is asked for what it builds on; nothing of it is kept.
          const stateVector = Y.encodeStateVector(transaction.beforeState);
          incomplete = { stateVector, undone: undoWaiting(doc, transaction, waiting) };
          return;
        }
        putBackWaiting(doc, waiting);
        // Read from the transaction rather than an 'update' listener, which would encode an update for nothing.
        changed = transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0;
        refusal = refuseContent(doc, transaction.beforeState, rules);
      }, origin);
    } catch (error) {
      this.documents.reload(document);
      throw new DocumentError(
        DocumentErrorCode.InvalidUpdate,
        'The update could not be applied; it was refused.',
        {
          cause: error,
        },
      );
    }
    if (incomplete) {
      if (!incomplete.undone) this.documents.reload(document);
      this.metrics.errors.inc({ kind: 'incomplete-update' });
      throw new IncompleteUpdateError(incomplete.stateVector);
    }
    if (refusal !== undefined) {
      this.documents.reload(document);
      throw new DocumentError(DocumentErrorCode.InvalidContent, `${refusal} Nothing of it was stored.`);
    }
    // Asked only of what changes something: a copy of an update already accepted is never refused later.
    const forbidden = changed && this.#forbidsWrite(document, principal, before);
    if (forbidden) {
      this.documents.reload(document);
      throw new DocumentError(DocumentErrorCode.Forbidden, `${forbidden} Nothing of it was stored.`);
    }
    return changed;
  }

  /** Why the record's write rule refuses this principal's change, if it does. */
  #forbidsWrite(
    document: LoadedDocument,
    principal: Principal,
    before: RecordView | undefined,
  ): string | undefined {
    if (!this.rules.writesByContent(document.collection)) return undefined;
    if (before?.exists && !this.rules.canWrite(principal, before)) return 'You may not change this record.';
    if (!this.rules.canWrite(principal, this.#view(document)))
      return 'The change would leave the record in a state you may not write.';
    return undefined;
  }
}

const NO_SUBSCRIBERS: ReadonlySet<Subscriber> = new Set();
