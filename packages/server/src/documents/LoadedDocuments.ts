import {
  compactUpdates,
  DocumentErrorCode,
  type Logger,
  parseDocumentName,
  realTimers,
  type Timers,
} from '@ferry/core';
import type * as Y from 'yjs';
import { DEFAULT_LIMITS } from '../Limits.js';
import type { Metrics } from '../Metrics.js';
import type { ServerStorage } from '../storage/ServerStorage.js';
import type { CommitQueue } from './CommitQueue.js';
import { DocumentError, DocumentsFullError } from './errors.js';
import { LoadedDocument, type LogSize, type Subscriber } from './LoadedDocument.js';
import { replayLog } from './replayLog.js';

export interface LoadedDocumentsOptions {
  /** Unload a document this long after its last subscriber left. */
  idleUnloadMs: number;
  /** Compact a document's stored log once it holds this many entries... */
  compactAfterEntries: number;
  /** ...or this many bytes. */
  compactAfterBytes: number;
  /** Keep this much history (ms) uncompacted: entries younger than this stay as they are. */
  historyMs: number;
  now: () => number;
  /** The timers of unloads and retries (default: the real ones); a simulation runs them on simulated time. */
  timers?: Timers;
  /** Documents held in memory at most (default: the default limit). */
  maxLoadedDocuments?: number;
}

/**
 * The documents held in memory. A document is loaded from storage before anyone is served from it; if that
 * fails, the caller gets an error and nothing is written. Documents nobody uses are unloaded; their logs are
 * compacted by size. At most `maxLoadedDocuments` are held: to load another, idle ones are unloaded at once,
 * oldest first; when none is idle, the load is refused.
 */
export class LoadedDocuments {
  readonly #loading = new Map<string, Promise<LoadedDocument>>();
  readonly #loaded = new Map<string, LoadedDocument>();
  /** Loaded documents nobody uses, in the order they became idle. */
  readonly #idle = new Set<LoadedDocument>();
  readonly #maxLoaded: number;

  constructor(
    private readonly storage: ServerStorage,
    private readonly commits: CommitQueue,
    private readonly options: LoadedDocumentsOptions,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.#maxLoaded = options.maxLoadedDocuments ?? DEFAULT_LIMITS.maxLoadedDocuments;
  }

  get size(): number {
    return this.#loaded.size;
  }

  /** The document if it is in memory now. */
  get(name: string): LoadedDocument | undefined {
    return this.#loaded.get(name);
  }

  /** The document if it is in memory or on its way there; never starts a load. */
  async find(name: string): Promise<LoadedDocument | undefined> {
    const loading = this.#loading.get(name);
    return this.#loaded.get(name) ?? (loading ? await loading : undefined);
  }

  /** The document, loaded from storage if needed. Throws DocumentError(LoadFailed) if it cannot be. */
  open(name: string): Promise<LoadedDocument> {
    const loaded = this.#loaded.get(name);
    if (loaded) return Promise.resolve(loaded);
    let loading = this.#loading.get(name);
    if (!loading) {
      if (!this.#makeRoom()) return Promise.reject(new DocumentsFullError(this.#maxLoaded));
      loading = this.#load(name);
      this.#track(name, loading);
    }
    return loading;
  }

  subscribe(document: LoadedDocument, subscriber: Subscriber): void {
    document.subscribers.add(subscriber);
    this.#inUse(document);
  }

  unsubscribe(document: LoadedDocument, subscriber: Subscriber): void {
    if (document.subscribers.delete(subscriber)) this.#scheduleUnload(document);
  }

  /** Keeps the document loaded until `release`. */
  hold(document: LoadedDocument): void {
    document.busy++;
    this.#inUse(document);
  }

  release(document: LoadedDocument): void {
    document.busy--;
    this.#scheduleUnload(document);
  }

  /** A new entry for the document reached storage: compact its log if it grew past the threshold. */
  stored(document: LoadedDocument, bytes: number): void {
    document.logEntries++;
    document.logBytes += bytes;
    this.#maybeCompact(document);
  }

  /**
   * Rebuilds a document from storage in place, once everything received so far is committed: its Y.Doc may
   * hold part of an update that was refused. Until then, anyone opening it waits. If storage fails, the
   * document stays unloaded and the next open tries again.
   */
  reload(document: LoadedDocument): void {
    const { name } = document;
    if (this.#loaded.get(name) !== document) return;
    this.#loaded.delete(name);
    this.hold(document);
    const reloading = this.commits.commit().then(async () => {
      const { doc, log } = await this.#read(name);
      document.replace(doc, log);
      this.#loaded.set(name, document);
      this.release(document);
      return document;
    });
    this.#track(name, reloading);
  }

  close(): void {
    for (const document of this.#loaded.values()) document.destroy();
    this.#loaded.clear();
    this.#idle.clear();
    this.metrics.documentsLoaded.set(0);
  }

  #track(name: string, loading: Promise<LoadedDocument>): void {
    this.#loading.set(name, loading);
    loading.then(
      () => this.#loading.delete(name),
      () => this.#loading.delete(name),
    );
  }

  async #load(name: string): Promise<LoadedDocument> {
    const parsed = parseDocumentName(name);
    if (!parsed) throw new DocumentError(DocumentErrorCode.InvalidName, `"${name}" is not a document name.`);
    // Every change reaches storage through a loaded document, which stays loaded until it is committed:
    // nothing for this one can be waiting in the commit queue.
    const { doc, log } = await this.#read(name);
    const document = new LoadedDocument(name, parsed.collection, doc, log);
    this.#loaded.set(name, document);
    this.metrics.documentsLoaded.set(this.#loaded.size);
    this.#scheduleUnload(document);
    this.#maybeCompact(document);
    return document;
  }

  /**
   * A document's Y.Doc built from its stored log. Entries Yjs cannot apply (stored by an older version) are
   * left out, logged, and set aside in storage, so that they are met once. Throws DocumentError(LoadFailed).
   */
  async #read(name: string): Promise<{ doc: Y.Doc; log: LogSize }> {
    try {
      const stored = await this.metrics.time('load', () => this.storage.load(name));
      // The name is a unique guid already; generating a random one is the most expensive part of a small load.
      const replayed = replayLog(stored, (update) => update, name);
      if (replayed.refused.length === 0) return { doc: replayed.doc, log: sizeOf(stored) };
      replayed.doc.destroy();
      // Which entries, by cursor: read again with them (the log may have grown meanwhile).
      const entries = await this.storage.history(name);
      const { doc, refused } = replayLog(entries, (entry) => entry.update, name);
      const cursors = refused.map((entry) => entry.cursor);
      this.metrics.errors.inc({ kind: 'unapplicable-update' });
      this.logger.error(
        { document: name, cursors },
        'stored updates could not be applied; set aside, the document is served without them',
      );
      await this.storage
        .setAside(name, cursors)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, document: name }, 'could not set the updates aside; will try again'),
        );
      const kept = entries.filter((entry) => !refused.includes(entry)).map((entry) => entry.update);
      return { doc, log: sizeOf(kept) };
    } catch (error) {
      this.metrics.errors.inc({ kind: 'load' });
      this.logger.error({ err: error, document: name }, 'could not load document; refusing to serve it');
      throw new DocumentError(
        DocumentErrorCode.LoadFailed,
        `The relay could not load "${name}"; nothing was changed. Try again later.`,
        { cause: error },
      );
    }
  }

  #maybeCompact(document: LoadedDocument): void {
    const { compactAfterEntries, compactAfterBytes, historyMs, now } = this.options;
    const { logEntries, logBytes } = document;
    if (document.compacting || logEntries < document.compactionFloor) return;
    if (logEntries < compactAfterEntries && !(logEntries > 1 && logBytes > compactAfterBytes)) return;
    document.compacting = true;
    const before = now() - historyMs;
    this.metrics
      .time('compact', () => this.storage.compact(document.name, compactUpdates, { before }))
      .then(
        (merged) => {
          document.logEntries = merged > 0 ? logEntries - merged + 1 : logEntries;
          document.logBytes = 0;
          // Entries kept as history cannot be merged yet: try again only once as many more have come.
          document.compactionFloor = document.logEntries + compactAfterEntries;
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

  /** Whether there is room to load one more document, after unloading idle ones (oldest first) if needed. */
  #makeRoom(): boolean {
    for (const document of this.#idle) {
      if (this.#loaded.size + this.#loading.size < this.#maxLoaded) break;
      this.#unload(document);
    }
    return this.#loaded.size + this.#loading.size < this.#maxLoaded;
  }

  #inUse(document: LoadedDocument): void {
    document.unloadTimer?.cancel();
    this.#idle.delete(document);
  }

  #scheduleUnload(document: LoadedDocument): void {
    this.#inUse(document);
    if (!document.idle || this.#loaded.get(document.name) !== document) return;
    this.#idle.add(document);
    document.unloadTimer = (this.options.timers ?? realTimers)
      .setTimeout(() => {
        if (document.idle) this.#unload(document);
      }, this.options.idleUnloadMs)
      .unref();
  }

  #unload(document: LoadedDocument): void {
    if (this.#loaded.get(document.name) !== document) return;
    this.#loaded.delete(document.name);
    this.#idle.delete(document);
    document.destroy();
    this.metrics.documentsLoaded.set(this.#loaded.size);
  }
}

const sizeOf = (updates: readonly Uint8Array[]): LogSize => ({
  entries: updates.length,
  bytes: updates.reduce((sum, update) => sum + update.byteLength, 0),
});
