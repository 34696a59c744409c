import type { DocumentUpdate } from '../protocol/messages.js';

/**
 * How far a catch-up sync is: what arrived of what the relay announced when it began. `records` and
 * `bytes` never go down while one catch-up lasts and never pass the totals; `done` once every collection
 * asked for is answered (the counts then equal the totals, whatever the relay's estimate missed).
 */
export interface DownloadProgress {
  readonly records: number;
  readonly totalRecords: number;
  readonly bytes: number;
  readonly totalBytes: number;
  readonly done: boolean;
}

/**
 * How far the upload of the outbox is: `records` is every record with changes to send since the upload
 * began (those changed meanwhile join it); of them, `sentRecords` went to the relay and
 * `acknowledgedRecords` are committed there. Bytes are counted as they are sent (a record sent again after
 * a reconnect counts again), since what waits in the outbox is only encoded when it goes. `done` once
 * nothing is pending.
 */
export interface UploadProgress {
  readonly records: number;
  readonly sentRecords: number;
  readonly acknowledgedRecords: number;
  readonly sentBytes: number;
  readonly acknowledgedBytes: number;
  readonly done: boolean;
}

/** Both directions; `undefined` until the first catch-up (or upload) of this client begins. */
export interface SyncProgress {
  readonly download: DownloadProgress | undefined;
  readonly upload: UploadProgress | undefined;
}

/** The progress of a client that has neither caught up nor uploaded anything yet (or has no relay). */
export const NO_PROGRESS: SyncProgress = Object.freeze({ download: undefined, upload: undefined });

/** One Subscribe answer being received. */
interface Answer {
  readonly totalRecords: number;
  readonly totalBytes: number;
  readonly names: Set<string>;
  bytes: number;
}

/**
 * Keeps the counts behind SyncProgress for the sync client, which tells it what it sends and receives:
 * the relay's announcements (Progress, protocol 3), the frames of each answer, pushes and their
 * acknowledgements. `changed` is called whenever the progress it reports changes.
 */
export class ProgressMeter {
  /** Answers of the current catch-up, by Subscribe id; several collections opened apart add up. */
  #answers = new Map<number, Answer>();
  #answered = { records: 0, bytes: 0, totalRecords: 0, totalBytes: 0 };
  #upload:
    | {
        names: Set<string>;
        sent: Set<string>;
        acknowledged: Set<string>;
        sentBytes: number;
        ackBytes: number;
      }
    | undefined;
  #uploadDone = false;
  #progress: SyncProgress = NO_PROGRESS;

  constructor(private readonly changed: (progress: SyncProgress) => void) {}

  get progress(): SyncProgress {
    return this.#progress;
  }

  /** Another tab's meter, when that tab holds the device's connection. */
  adopt(progress: SyncProgress): void {
    this.#progress = progress;
    this.changed(progress);
  }

  /** The relay announced what answer `id` will hold. A catch-up that had finished gives way to a new one. */
  announced(id: number, records: number, bytes: number): void {
    if (this.#answers.size === 0) this.#answered = { records: 0, bytes: 0, totalRecords: 0, totalBytes: 0 };
    this.#answers.set(id, { totalRecords: records, totalBytes: bytes, names: new Set(), bytes: 0 });
    this.#report();
  }

  /** A frame of answer `id` arrived. */
  received(id: number, items: readonly DocumentUpdate[]): void {
    const answer = this.#answers.get(id);
    if (!answer || items.length === 0) return;
    for (const { name, update } of items) {
      answer.names.add(name);
      answer.bytes += update.byteLength;
    }
    this.#report();
  }

  /** Answer `id` is complete: it counts whole, whatever the estimate. */
  answered(id: number): void {
    const answer = this.#answers.get(id);
    if (!answer) return;
    this.#answers.delete(id);
    const done = this.#answered;
    this.#answered = {
      records: done.records + answer.totalRecords,
      bytes: done.bytes + answer.totalBytes,
      totalRecords: done.totalRecords + answer.totalRecords,
      totalBytes: done.totalBytes + answer.totalBytes,
    };
    this.#report();
  }

  /** The connection closed: the answers under way will never end; the next connection starts over. */
  interrupted(): void {
    this.#answers.clear();
  }

  /** A record has changes the relay has not committed: it belongs to the upload under way, or starts one. */
  pending(name: string): void {
    if (!this.#upload || this.#uploadDone) {
      this.#upload = {
        names: new Set(),
        sent: new Set(),
        acknowledged: new Set(),
        sentBytes: 0,
        ackBytes: 0,
      };
      this.#uploadDone = false;
    }
    if (this.#upload.names.has(name)) return;
    this.#upload.names.add(name);
    this.#report();
  }

  sent(items: readonly DocumentUpdate[]): void {
    const upload = this.#upload;
    if (!upload || this.#uploadDone) return;
    for (const { name, update } of items) {
      upload.names.add(name);
      upload.sent.add(name);
      upload.sentBytes += update.byteLength;
    }
    this.#report();
  }

  acknowledged(items: readonly DocumentUpdate[]): void {
    const upload = this.#upload;
    if (!upload || this.#uploadDone) return;
    for (const { name, update } of items) {
      upload.acknowledged.add(name);
      upload.ackBytes += update.byteLength;
    }
    this.#report();
  }

  /** Nothing is pending any more: the upload under way is done. */
  uploaded(): void {
    if (!this.#upload || this.#uploadDone) return;
    this.#uploadDone = true;
    this.#report();
  }

  #report(): void {
    this.#progress = { download: this.#download(), upload: this.#uploadProgress() };
    this.changed(this.#progress);
  }

  #download(): DownloadProgress | undefined {
    const done = this.#answered;
    if (this.#answers.size === 0 && done.totalRecords === 0 && done.totalBytes === 0)
      return this.#progress.download && { ...this.#progress.download, done: true };
    let { records, bytes, totalRecords, totalBytes } = done;
    for (const answer of this.#answers.values()) {
      // The relay's count is an estimate: an answer shows as complete only once it is.
      records += Math.min(answer.names.size, answer.totalRecords);
      bytes += Math.min(answer.bytes, answer.totalBytes);
      totalRecords += answer.totalRecords;
      totalBytes += answer.totalBytes;
    }
    return { records, totalRecords, bytes, totalBytes, done: this.#answers.size === 0 };
  }

  #uploadProgress(): UploadProgress | undefined {
    const upload = this.#upload;
    if (!upload) return undefined;
    const acknowledgedRecords = this.#uploadDone ? upload.names.size : upload.acknowledged.size;
    return {
      records: upload.names.size,
      sentRecords: this.#uploadDone ? upload.names.size : upload.sent.size,
      acknowledgedRecords,
      sentBytes: upload.sentBytes,
      acknowledgedBytes: upload.ackBytes,
      done: this.#uploadDone,
    };
  }
}
