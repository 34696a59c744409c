import { Collection, type HiddenRecord, type InvalidData } from '../collection/Collection.js';
import { ClosedError, FerryError, type StorageError } from '../errors.js';
import { type FilePolicy, Files } from '../files/Files.js';
import { RelayFiles } from '../files/RelayFiles.js';
import { parseDocumentName, randomId } from '../ids.js';
import { Replica } from '../replica/Replica.js';
import { TabChannel } from '../replica/TabChannel.js';
import { browserLocks, type LockManagerLike, TabLeadership } from '../replica/TabLeadership.js';
import type { CollectionDefinition } from '../schema/defineCollection.js';
import type { Shape } from '../schema/fields.js';
import type { FileStorage } from '../storage/FileStorage.js';
import { IndexedDBFileStorage } from '../storage/IndexedDBFileStorage.js';
import { IndexedDBStorage } from '../storage/IndexedDBStorage.js';
import type { LocalStorage } from '../storage/LocalStorage.js';
import { MemoryFileStorage } from '../storage/MemoryFileStorage.js';
import { MemoryStorage } from '../storage/MemoryStorage.js';
import { type Replication, SyncClient, type SyncOptions } from '../sync/SyncClient.js';
import type { Transport, WebSocketClass } from '../sync/Transport.js';
import { Emitter } from '../util/Emitter.js';
import { type Logger, silentLogger } from '../util/Logger.js';
import type { Timers } from '../util/Timers.js';

export interface FerryOptions {
  /**
   * Where records are kept on this device: `'indexeddb'` (the default where IndexedDB exists), `'memory'`
   * (the default elsewhere), or any LocalStorage.
   */
  storage?: 'memory' | 'indexeddb' | LocalStorage;
  /** Who makes the changes, recorded as createdBy/updatedBy. Default: an id kept for this device. */
  actor?: string;
  /** The clock for metadata timestamps, in milliseconds (default Date.now). */
  now?: () => number;
  /** Randomness for record ids, the replica's id and reconnect jitter (default Math.random). */
  random?: () => number;
  /**
   * The clock and timers of sync (default: the real ones); `now` defaults to its clock. A simulation runs
   * them on simulated time.
   */
  timers?: Timers;
  logger?: Logger;
  /**
   * The relay to sync with, `ws://host:port`, or several nodes of one relay, tried in turn. Without it the
   * client works locally only.
   */
  url?: string | readonly string[];
  /** A token for the relay, or a function returning one (called on every connect, so it can refresh). */
  token?: SyncOptions['token'];
  /** The WebSocket class (default: the global one; in Node pass the `ws` package's). */
  webSocket?: WebSocketClass;
  /** A custom transport to the relay, instead of WebSocket. */
  transport?: Transport;
  /**
   * Share changes with other tabs of this app at once, over a BroadcastChannel of this name. Default: on
   * for IndexedDB storage (named after the database), off otherwise; `false` turns it off.
   */
  tabs?: string | false;
  /**
   * How the tabs sharing `tabs` elect the one that holds the connection to the relay (the others go through
   * it): the Web Locks API, `navigator.locks` by default where the browser has it. `false`, or no Web Locks:
   * every tab connects on its own.
   */
  locks?: LockManagerLike | false;
  /**
   * Where file bytes are kept on this device: `'indexeddb'` (the default with IndexedDB storage: a database
   * named after it, `<name>-files`), `'memory'` (the default elsewhere), or any FileStorage.
   */
  files?: 'memory' | 'indexeddb' | FileStorage;
  /** The `fetch` file uploads and downloads use (default: the global one). */
  fetch?: typeof fetch;
  /** Further sync settings: heartbeat, backoff, manual connect. */
  sync?: Omit<SyncOptions, 'url' | 'token' | 'webSocket' | 'transport'>;
}

/** How a collection is replicated with the relay; see Replication. */
export interface CollectionOptions {
  replicate?: Replication;
  /** When the files its records refer to come to this device: when read (default), or `eager`ly. */
  files?: FilePolicy;
}

export interface FerryEvents {
  /** The local store failed. Changes stay in memory and are written with the next successful write. */
  error: StorageError;
  /** Merged data did not fit a collection's schema; the field reads as its default. */
  invalid: InvalidData;
  /**
   * The relay's rules no longer let this user read a record (it was taken off a shared list, say): it was
   * removed from this device, its unsent changes with it.
   */
  hidden: HiddenRecord;
}

/** Local-only documents (never replicated) start with `~`. This one holds the client's own settings. */
const CLIENT_DOC = '~ferry/client';

/**
 * Opens a Ferry client on this device's storage. Every record stored there is available at once, with no
 * network.
 *
 * ```ts
 * const ferry = await createFerry({ storage: 'memory' });
 * const notes = ferry.collection(defineCollection('notes', { title: t.string() }));
 * ```
 */
export async function createFerry(options: FerryOptions = {}): Promise<FerryClient> {
  const storage = storageOf(options.storage);
  const channel = options.tabs ?? (storage instanceof IndexedDBStorage ? `ferry:${storage.name}` : false);
  // Listening to the other tabs before reading the store: a change made meanwhile arrives one way or the other.
  const tabs = channel && typeof BroadcastChannel !== 'undefined' ? new TabChannel(channel) : undefined;
  let replica: Replica;
  try {
    replica = await Replica.open(storage, options.random);
  } catch (error) {
    tabs?.close();
    throw error;
  }
  return new FerryClient(
    replica,
    { ...options, tabs: channel, files: fileStorageOf(options.files, storage) },
    tabs,
  );
}

export class FerryClient {
  readonly actor: string;
  readonly logger: Logger;
  readonly #collections = new Map<string, Collection<Shape>>();
  readonly #events = new Emitter<FerryEvents>();
  /** The sync client, when the client was created with a `url`. */
  readonly sync: SyncClient | undefined;
  /** File bytes: add them for a `t.file()` field, read them, watch their uploads. */
  readonly files: Files;
  readonly #tabs: TabChannel | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  #closed = false;

  /** @internal Use createFerry(). */
  constructor(
    /** The Yjs documents this client holds, by name: for sync links and advanced use. */
    readonly documents: Replica,
    options: FerryOptions,
    /** The channel to the other tabs, listening since before the store was read. */
    tabs?: TabChannel,
  ) {
    this.logger = options.logger ?? silentLogger;
    const timers = options.timers;
    this.#now = options.now ?? (timers ? () => timers.now() : Date.now);
    this.#random = options.random ?? Math.random;
    this.actor = options.actor ?? this.#deviceId();
    documents.on('added', ({ name, doc }) => {
      const parsed = parseDocumentName(name);
      if (parsed) this.#collections.get(parsed.collection)?.track(parsed.id, doc);
    });
    documents.on('change', (change) => {
      const parsed = parseDocumentName(change.name);
      if (parsed) this.#collections.get(parsed.collection)?.changed(parsed.id, change);
    });
    documents.on('forgotten', ({ name }) => {
      const parsed = parseDocumentName(name);
      if (!parsed) return;
      this.#collections.get(parsed.collection)?.forgotten(parsed.id);
      this.#events.emit('hidden', { collection: parsed.collection, id: parsed.id });
    });
    documents.on('error', (error) => {
      this.logger.error({ err: error }, error.message);
      this.#events.emit('error', error);
    });
    // Before sync starts, so that changes from other tabs are never mistaken for this tab's own.
    this.#tabs =
      tabs ??
      (options.tabs && typeof BroadcastChannel !== 'undefined' ? new TabChannel(options.tabs) : undefined);
    this.#tabs?.attach(documents);
    const locks = options.locks === false ? undefined : (options.locks ?? browserLocks());
    // One connection per device where the browser can elect the tab that holds it: see TabLeadership.
    const leadership =
      this.#tabs && locks && options.url
        ? new TabLeadership(locks, `${options.tabs} ${[options.url].flat().join(' ')}`, documents.id)
        : undefined;
    this.sync = options.url
      ? new SyncClient(
          documents,
          {
            ...options.sync,
            url: options.url,
            token: options.token,
            webSocket: options.webSocket,
            transport: options.transport,
            timers: options.sync?.timers ?? options.timers,
            random: options.sync?.random ?? options.random,
          },
          this.logger,
          this.actor,
          this.#tabs && { link: this.#tabs, leadership },
        )
      : undefined;
    const sync = this.sync;
    const relay =
      options.url && sync
        ? new RelayFiles([options.url].flat()[0]!, () => sync.currentToken(), options.fetch)
        : undefined;
    const files = typeof options.files === 'object' ? options.files : new MemoryFileStorage();
    this.files = new Files(documents, files, relay, this.logger, this.sync);
  }

  on = this.#events.on.bind(this.#events);

  /** The collection described by `definition`. Calling it again with the same definition returns the same one. */
  collection<S extends Shape>(
    definition: CollectionDefinition<S>,
    options: CollectionOptions = {},
  ): Collection<S> {
    if (this.#closed) throw new ClosedError('This Ferry client');
    const existing = this.#collections.get(definition.name);
    if (existing) {
      if (existing.definition !== definition) {
        throw new FerryError(
          'collection-defined',
          `Collection "${definition.name}" is already open with another definition; define it once and share it.`,
        );
      }
      return existing as unknown as Collection<S>;
    }
    const collection = new Collection(definition, {
      replica: this.documents,
      actor: this.actor,
      now: this.#now,
      random: this.#random,
      reportInvalid: (issue) => this.#events.emit('invalid', issue),
      sync: this.sync,
      files: this.files,
    });
    this.#collections.set(definition.name, collection as unknown as Collection<Shape>);
    const prefix = `${definition.name}/`;
    for (const name of this.documents.names()) {
      if (name.startsWith(prefix)) collection.track(name.slice(prefix.length), this.documents.get(name)!);
    }
    this.sync?.follow(definition.name, options.replicate ?? 'all');
    if (options.files === 'eager') this.files.eager(definition.name);
    return collection;
  }

  /** Resolves once every change made so far is in the local store. */
  flush(): Promise<void> {
    return this.documents.flush();
  }

  /**
   * Resolves once the client has caught up with the relay: connected, every subscription answered, every
   * local change committed. It covers the collections open when it is called or opened in the same
   * synchronous step; for a collection opened later, await `collection.whenSynced()`. Without a relay, once
   * everything is in the local store.
   */
  whenSynced(): Promise<void> {
    return this.sync ? this.sync.whenSynced() : this.flush();
  }

  /** Writes everything pending, then releases the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.sync?.close();
    this.#tabs?.close();
    await this.files.close();
    await this.documents.close();
    for (const collection of this.#collections.values()) collection.release();
    this.#collections.clear();
  }

  #deviceId(): string {
    const settings = this.documents.open(CLIENT_DOC).getMap<string>('settings');
    let id = settings.get('device');
    if (!id) {
      id = `device-${randomId(this.#random)}`;
      settings.set('device', id);
    }
    return id;
  }
}

function fileStorageOf(option: FerryOptions['files'], storage: LocalStorage): FileStorage {
  if (typeof option === 'object') return option;
  if (option === 'indexeddb' || (option === undefined && storage instanceof IndexedDBStorage))
    return new IndexedDBFileStorage({ name: storage instanceof IndexedDBStorage ? storage.name : undefined });
  return new MemoryFileStorage();
}

function storageOf(option: FerryOptions['storage']): LocalStorage {
  if (typeof option === 'object') return option;
  const hasIndexedDB = typeof (globalThis as { indexedDB?: unknown }).indexedDB !== 'undefined';
  if (option === 'indexeddb' || (option === undefined && hasIndexedDB)) return new IndexedDBStorage();
  return new MemoryStorage();
}
