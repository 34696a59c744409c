import { checkUpdate, compactUpdates, DocumentErrorCode, type Logger, parseDocumentName } from '@ferry/core';
import * as Y from 'yjs';
import type { Metrics } from '../Metrics.js';
import type { ServerStorage } from '../storage/ServerStorage.js';
import { CommitQueue } from './CommitQueue.js';
import { DocumentError } from './errors.js';
import { LoadedDocument, type Subscriber } from './LoadedDocument.js';

export interface HubOptions {
  /** Unload a document this long after its last subscriber left (default 30 s). */
  idleUnloadMs: number;
  /** Compact a document's stored log once it holds this many entries (default 500). */
  compactAfterEntries: number;
  /** ... or this many bytes (default 1 MiB). */
  compactAfterBytes: number;
  /** Refuse pushes while this many bytes wait for storage. */
  maxPendingCommitBytes: number;
  now: () => number;
}

/** An update applied in memory and forwarded; `committed` resolves once it is in storage. */
export interface Applied {
  readonly committed: Promise<void>;
}

/** Receives what is committed: cursors per collection. */
export interface CollectionSubscriber extends Subscriber {
  deliverCursor(collection: string, cursor: string): void;
}

/**
 * The documents the relay serves. A document is loaded from storage before anyone is served from it; if
 * that fails, the caller gets an error and nothing is written. Changes are applied to the loaded Y.Doc
 * (which rejects malformed updates), forwarded to subscribers, committed in groups, and only then
 * acknowledged. Documents nobody uses are unloaded; their logs are compacted by size.
 */
export class DocumentHub {
  readonly #loading = new Map<string, Promise<LoadedDocument>>();
  readonly #loaded = new Map<string, LoadedDocument>();
  readonly #collections = new Map<string, Set<CollectionSubscriber>>();
  readonly commits: CommitQueue;

  constructor(
    readonly storage: ServerStorage,
    private readonly options: HubOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.commits = new CommitQueue(storage, (cursors) => this.#committed(cursors), metrics, logger);
  }

  get loadedCount(): number {
    return this.#loaded.size;
  }

  /** The document, loaded from storage if needed. Throws DocumentError(LoadFailed) if it cannot be. */
  async open(name: string): Promise<LoadedDocument> {
    const loaded = this.#loaded.get(name);
    if (loaded) return loaded;
    let loading = this.#loading.get(name);
    if (!loading) {
      loading = this.#load(name);
      this.#loading.set(name, loading);
      loading.then(
        () => this.#loading.delete(name),
        () => this.#loading.delete(name),
      );
    }
    return loading;
  }

  subscribe(document: LoadedDocument, subscriber: Subscriber): void {
    document.subscribers.add(subscriber);
    clearTimeout(document.unloadTimer);
  }

  unsubscribe(document: LoadedDocument, subscriber: Subscriber): void {
    if (document.subscribers.delete(subscriber)) this.#scheduleUnload(document);
  }

  subscribeCollection(collection: string, subscriber: CollectionSubscriber): void {
    let set = this.#collections.get(collection);
    if (!set) {
      set = new Set();
      this.#collections.set(collection, set);
    }
    set.add(subscriber);
  }

  unsubscribeCollection(collection: string, subscriber: CollectionSubscriber): void {
    const set = this.#collections.get(collection);
    set?.delete(subscriber);
    if (set?.size === 0) this.#collections.delete(collection);
  }

  /**
   * Applies a client's update: validates it on the loaded document and forwards it to everyone else
   * subscribed. Resolves once applied, with `committed`, which resolves once the update is in storage. A
   * duplicate of what the relay already has is committed once the copy it already has is.
   */
  async apply(name: string, update: Uint8Array, origin: Subscriber | null, actor: string): Promise<Applied> {
    if (this.commits.pendingBytes > this.options.maxPendingCommitBytes) {
      throw new DocumentError(
        DocumentErrorCode.StorageFailed,
        'The relay cannot store changes right now; try again later.',
      );
    }
    const loading = this.#loading.get(name);
    const document = this.#loaded.get(name) ?? (loading ? await loading : undefined);
    if (!document) return this.#store(name, update, origin, actor);
    document.busy++;
    clearTimeout(document.unloadTimer);
    let committed: Promise<void>;
    try {
      if (this.#applyToDocument(document, update, origin)) {
        this.metrics.updatesIn.inc();
        this.#forward(document.name, document.collection, update, origin, document.subscribers);
        document.logEntries++;
        document.logBytes += update.byteLength;
        committed = this.commits.commit({
          name,
          collection: document.collection,
          update,
          actor,
          at: this.options.now(),
        });
      } else {
        committed = this.commits.commit();
      }
    } catch (error) {
      document.busy--;
      this.#scheduleUnload(document);
      throw error;
    }
    return {
      committed: committed.finally(() => {
        document.busy--;
        this.#maybeCompact(document);
        this.#scheduleUnload(document);
      }),
    };
  }

  /**
   * An update to a document nobody holds open: checked, forwarded to the collection's followers and stored,
   * without loading the document. A bulk upload of many records then costs no memory per record.
   */
  #store(name: string, update: Uint8Array, origin: Subscriber | null, actor: string): Applied {
    const parsed = parseDocumentName(name);
    if (!parsed) throw new DocumentError(DocumentErrorCode.InvalidName, `"${name}" is not a document name.`);
    this.#check(update);
    this.metrics.updatesIn.inc();
    this.#forward(name, parsed.collection, update, origin, NO_SUBSCRIBERS);
    const entry = { name, collection: parsed.collection, update, actor, at: this.options.now() };
    return { committed: this.commits.commit(entry) };
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

  /** Forwards an awareness update to the document's other subscribers. */
  forwardAwareness(document: LoadedDocument, update: Uint8Array, origin: Subscriber | null): void {
    for (const subscriber of document.subscribers) {
      if (subscriber !== origin) subscriber.deliverAwareness(document.name, update);
    }
  }

  /** Commits everything pending and unloads every document. */
  async close(): Promise<void> {
    await this.commits.close();
    for (const document of this.#loaded.values()) document.destroy();
    this.#loaded.clear();
    this.metrics.documentsLoaded.set(0);
  }

  async #load(name: string): Promise<LoadedDocument> {
    const parsed = parseDocumentName(name);
    if (!parsed) throw new DocumentError(DocumentErrorCode.InvalidName, `"${name}" is not a document name.`);
    let document: LoadedDocument;
    try {
      // Changes stored without loading may still be on their way to storage: let them arrive first.
      await this.commits.commit();
      const stored = await this.metrics.time('load', () => this.storage.load(name));
      document = new LoadedDocument(name, parsed.collection, stored);
    } catch (error) {
      this.metrics.errors.inc({ kind: 'load' });
      this.logger.error({ err: error, document: name }, 'could not load document; refusing to serve it');
      throw new DocumentError(
        DocumentErrorCode.LoadFailed,
        `The relay could not load "${name}"; nothing was changed. Try again later.`,
        { cause: error },
      );
    }
    this.#loaded.set(name, document);
    this.metrics.documentsLoaded.set(this.#loaded.size);
    this.#scheduleUnload(document);
    this.#maybeCompact(document);
    return document;
  }

  /** Applies an update to the in-memory document. Returns whether it held anything new. */
  #applyToDocument(document: LoadedDocument, update: Uint8Array, origin: unknown): boolean {
    this.#check(update);
    const doc = document.doc;
    let changed = false;
    try {
      doc.transact((transaction) => {
        Y.applyUpdate(doc, update, origin);
        // Read from the transaction rather than an 'update' listener, which would encode an update for nothing.
        changed = transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0;
      }, origin);
    } catch (error) {
      // Yjs may have applied part of it: the in-memory copy can no longer be trusted. Reload from storage.
      this.#reload(document);
      throw new DocumentError(
        DocumentErrorCode.InvalidUpdate,
        'The update could not be applied; it was refused.',
        {
          cause: error,
        },
      );
    }
    // Content waiting for a missing dependency is new too: it must be stored, or a restart would lose it.
    return changed || doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
  }

  #forward(
    name: string,
    collection: string,
    update: Uint8Array,
    origin: Subscriber | null,
    documentSubscribers: ReadonlySet<Subscriber>,
  ): void {
    for (const subscriber of documentSubscribers) {
      if (subscriber !== origin) subscriber.deliver(name, update);
    }
    for (const subscriber of this.#collections.get(collection) ?? []) {
      if (subscriber !== origin && !documentSubscribers.has(subscriber)) subscriber.deliver(name, update);
    }
  }

  #committed(cursors: ReadonlyMap<string, string>): void {
    for (const [collection, cursor] of cursors) {
      for (const subscriber of this.#collections.get(collection) ?? [])
        subscriber.deliverCursor(collection, cursor);
    }
  }

  #maybeCompact(document: LoadedDocument): void {
    const { compactAfterEntries, compactAfterBytes } = this.options;
    if (document.compacting) return;
    if (
      document.logEntries < compactAfterEntries &&
      !(document.logEntries > 1 && document.logBytes > compactAfterBytes)
    ) {
      return;
    }
    document.compacting = true;
    this.metrics
      .time('compact', () => this.storage.compact(document.name, compactUpdates))
      .then(
        () => {
          document.logEntries = 1;
          document.logBytes = 0;
        },
        (error) => {
          this.metrics.errors.inc({ kind: 'compact' });
          this.logger.warn(
            { err: error, document: document.name },
            'compaction failed; the log stays as it was',
          );
        },
      )
      .finally(() => {
        document.compacting = false;
        this.#scheduleUnload(document);
      });
  }

  #scheduleUnload(document: LoadedDocument): void {
    clearTimeout(document.unloadTimer);
    if (!document.idle || this.#loaded.get(document.name) !== document) return;
    document.unloadTimer = setTimeout(() => {
      if (document.idle) this.#unload(document);
    }, this.options.idleUnloadMs);
    document.unloadTimer.unref();
  }

  /** Replaces a document with a fresh load from storage, once everything received so far is committed. */
  #reload(document: LoadedDocument): void {
    const { name } = document;
    if (this.#loaded.get(name) !== document) return;
    this.#loaded.delete(name);
    const reloading = this.commits.commit().then(async () => {
      const fresh = await this.#load(name);
      for (const subscriber of document.subscribers) fresh.subscribers.add(subscriber);
      document.destroy();
      return fresh;
    });
    this.#loading.set(name, reloading);
    reloading.then(
      () => this.#loading.delete(name),
      () => this.#loading.delete(name),
    );
  }

  #unload(document: LoadedDocument): void {
    if (this.#loaded.get(document.name) !== document) return;
    this.#loaded.delete(document.name);
    document.destroy();
    this.metrics.documentsLoaded.set(this.#loaded.size);
  }
}

const NO_SUBSCRIBERS: ReadonlySet<Subscriber> = new Set();
