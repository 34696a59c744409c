import type * as Y from 'yjs';
import { parseDocumentName } from '../ids.js';
import type { Replica } from '../replica/Replica.js';
import type { FileStorage } from '../storage/FileStorage.js';
import type { SyncClient } from '../sync/SyncClient.js';
import { Emitter } from '../util/Emitter.js';
import type { Logger } from '../util/Logger.js';
import { FileUnavailableError, FileUploadError } from './FileErrors.js';
import { type FileRef, isFileRef, sha256Hex } from './FileRef.js';
import { fileRefsOf } from './fileRefsOf.js';
import { RelayFileRefusal, type RelayFiles } from './RelayFiles.js';

/** Local-only document: the hashes of files added on this device that the relay may not have yet. */
const FILES_DOC = '~ferry/files';

/** How a collection's files come to this device: when read (default), or as soon as a record refers to them. */
export type FilePolicy = 'on-demand' | 'eager';

export interface FilesEvents {
  /** The relay holds the whole file now (sent on behalf of `record`). */
  uploaded: { hash: string; record: string };
  /** A file's bytes came from the relay and are on this device now. */
  downloaded: { hash: string; record: string };
  /** The relay refused an upload for good (too large, forbidden): the file stays on this device only. */
  error: FileUploadError;
}

/**
 * The files of a client (`ferry.files`). A file added is stored on the device at once and readable offline;
 * it is uploaded, in chunks that resume where they stopped, once a record refers to it and the relay is
 * reachable. Bytes another device added are downloaded when read, or at once for an `eager` collection.
 */
export class Files {
  readonly #events = new Emitter<FilesEvents>();
  readonly #pending: Y.Map<boolean>;
  readonly #eager = new Set<string>();
  readonly #downloads = new Map<string, Promise<Uint8Array>>();
  #pumping: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(
    private readonly replica: Replica,
    private readonly storage: FileStorage,
    private readonly relay: RelayFiles | undefined,
    private readonly logger: Logger,
    private readonly sync?: SyncClient,
  ) {
    this.#pending = replica.open(FILES_DOC).getMap<boolean>('pending');
    replica.on('change', ({ name, doc }) => {
      if (name.startsWith('~')) return;
      if (this.#pending.size > 0) this.#upload();
      const collection = parseDocumentName(name)?.collection;
      if (collection && this.#eager.has(collection)) this.#fetchMissing(name, doc);
    });
    sync?.on('status', (status) => {
      if (status.connection !== 'online') return;
      this.#upload();
      for (const name of replica.names()) {
        const collection = parseDocumentName(name)?.collection;
        if (collection && this.#eager.has(collection)) this.#fetchMissing(name, replica.get(name)!);
      }
    });
    if (this.#pending.size > 0) this.#upload();
  }

  on = this.#events.on.bind(this.#events);

  /**
   * Stores a file on this device and returns the reference to put in a `t.file()` field. Its upload starts
   * once a record refers to it and the relay is reachable; the same bytes are stored once, here and there.
   */
  async add(data: Uint8Array | Blob, info: { name: string; type?: string }): Promise<FileRef> {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
    const type = info.type ?? (data instanceof Uint8Array ? '' : data.type);
    const hash = await sha256Hex(bytes);
    await this.storage.put(hash, bytes);
    if (this.relay) {
      this.#pending.set(hash, true);
      await this.replica.flush();
      this.#upload();
    }
    return { hash, size: bytes.byteLength, type, name: info.name };
  }

  /**
   * The bytes of a file that record `record` (`<collection>/<id>`) refers to: from this device, else from the
   * relay (then kept here). Rejects with FileUnavailableError when neither can give them.
   */
  read(record: string, ref: FileRef): Promise<Uint8Array> {
    if (!isFileRef(ref))
      return Promise.reject(new TypeError('Not a file reference: { hash, size, type, name }.'));
    const running = this.#downloads.get(ref.hash);
    if (running) return running;
    const download = this.#read(record, ref.hash).finally(() => this.#downloads.delete(ref.hash));
    this.#downloads.set(ref.hash, download);
    return download;
  }

  /** Whether the bytes of `hash` are on this device. */
  async has(hash: string): Promise<boolean> {
    return (await this.storage.get(hash)) !== undefined;
  }

  /** Whether the file was added on this device and the relay does not hold it yet. */
  uploading(hash: string): boolean {
    return this.#pending.has(hash);
  }

  /** Files added on this device that the relay does not hold yet. */
  get pendingUploads(): number {
    return this.#pending.size;
  }

  /** Resolves once every file added so far is uploaded (or refused: see the `error` event). */
  whenUploaded(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.#pending.size > 0) return;
        this.#pending.unobserve(check);
        resolve();
      };
      this.#pending.observe(check);
    });
  }

  /** Downloads every file the collection's records refer to as soon as they are seen (called by collection()). */
  eager(collection: string): void {
    this.#eager.add(collection);
    for (const name of this.replica.names())
      if (parseDocumentName(name)?.collection === collection)
        this.#fetchMissing(name, this.replica.get(name)!);
  }

  /** Stops uploading (an upload under way is left for the next start, which resumes it) and closes the store. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.storage.close();
  }

  async #read(record: string, hash: string): Promise<Uint8Array> {
    const local = await this.storage.get(hash);
    if (local) return local;
    if (!this.relay)
      throw new FileUnavailableError(hash, `File ${hash} is not on this device and the client has no relay.`);
    let bytes: Uint8Array;
    try {
      bytes = await this.relay.download(record, hash);
    } catch (error) {
      if (error instanceof RelayFileRefusal)
        throw new FileUnavailableError(
          hash,
          `The relay would not give file ${hash}: ${error.message}`,
          error.status,
        );
      throw new FileUnavailableError(
        hash,
        `File ${hash} is not on this device and the relay cannot be reached; try again when online.`,
        undefined,
        { cause: error },
      );
    }
    if ((await sha256Hex(bytes)) !== hash)
      throw new FileUnavailableError(
        hash,
        `The relay's copy of file ${hash} does not match its hash; it was not kept.`,
      );
    await this.storage.put(hash, bytes);
    this.#events.emit('downloaded', { hash, record });
    return bytes;
  }

  #fetchMissing(name: string, doc: Y.Doc): void {
    if (!this.relay || this.#closed) return;
    for (const hash of fileRefsOf(doc)) {
      if (this.#downloads.has(hash)) continue;
      void this.storage
        .get(hash)
        .then((local) => (local ? undefined : this.read(name, { hash, size: 0, type: '', name: '' })))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, hash, record: name }, 'eager file download failed'),
        );
    }
  }

  /** Runs the upload loop, or has the running one go round once more. */
  #upload(): void {
    if (!this.relay || this.#closed) return;
    // Uploads go with sync: a client told to stay offline (or not yet connected) sends nothing.
    if (this.sync && this.sync.status.connection !== 'online') return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#uploadPending(this.relay).finally(() => {
      this.#pumping = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.#upload();
      }
    });
  }

  async #uploadPending(relay: RelayFiles): Promise<void> {
    for (const hash of [...this.#pending.keys()]) {
      if (this.#closed) return;
      const record = this.#referrer(hash);
      // Uploaded through a record so that its rules apply; none refers to it yet: wait for one.
      if (!record) continue;
      const bytes = await this.storage.get(hash);
      if (!bytes) {
        this.#pending.delete(hash);
        continue;
      }
      try {
        await relay.upload(record, hash, bytes);
      } catch (error) {
        if (error instanceof RelayFileRefusal && isFinal(error.status)) {
          this.#pending.delete(hash);
          this.#events.emit(
            'error',
            new FileUploadError(
              hash,
              record,
              error.status,
              error.reason,
              `Upload of file ${hash} refused: ${error.message}`,
            ),
          );
          continue;
        }
        // Offline or the relay is busy: the next connection or change tries again from where it stopped.
        this.logger.debug({ err: error, hash }, 'file upload interrupted');
        return;
      }
      // Closed meanwhile: the replica is gone; the next start asks the relay and finds the upload complete.
      if (this.#closed) return;
      this.#pending.delete(hash);
      this.#events.emit('uploaded', { hash, record });
    }
  }

  /** A replicated record that refers to `hash`. */
  #referrer(hash: string): string | undefined {
    for (const name of this.replica.names()) {
      if (name.startsWith('~') || !parseDocumentName(name)) continue;
      if (fileRefsOf(this.replica.get(name)!).has(hash)) return name;
    }
    return undefined;
  }
}

/** A refusal that retrying cannot change (a 4xx other than timeout, conflict and rate limit). */
const isFinal = (status: number) =>
  status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
