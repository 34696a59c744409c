import type * as Y from 'yjs';
import { FileUnavailableError } from '../files/FileErrors.js';
import { type FileRef, isFileRef } from '../files/FileRef.js';
import type { QueryEntry } from '../query/LiveQuery.js';
import type { RecordValue } from '../query/types.js';
import type { RecordMeta } from '../record/layout.js';
import type { CollectionDefinition } from '../schema/defineCollection.js';
import type {
  FieldInput,
  FileFieldOf,
  ListFieldOf,
  OutOf,
  Patch,
  Shape,
  TextFieldOf,
} from '../schema/fields.js';
import type { RecordSyncStatus } from '../sync/Outbox.js';
import type { Presence } from '../sync/Presence.js';
import type { HistoryEntry } from '../sync/RelayHistory.js';
import type { RejectedChange } from '../sync/Rollbacks.js';
import type { Conflict } from './Conflicts.js';

/** A change to one record, local or merged from elsewhere. */
export interface RecordChange<S extends Shape> {
  readonly id: string;
  readonly record: RecordHandle<S>;
  /** True for changes made on this replica. */
  readonly local: boolean;
  readonly origin: unknown;
}

/**
 * What a handle needs of its record, bound to that record: the collection keeps one per record (see
 * RecordEntry), so no call looks the record up again.
 */
export interface RecordOps<S extends Shape> {
  /** The document name, `<collection>/<id>`. */
  readonly name: string;
  readonly definition: CollectionDefinition<S>;
  entry(): QueryEntry<RecordValue<S>>;
  meta(): RecordMeta;
  status(): RecordSyncStatus;
  undoManager(): Y.UndoManager;
  history(): Promise<HistoryEntry[]>;
  readFile(ref: FileRef): Promise<Uint8Array>;
  restoreVersion(at: Date): Promise<void>;
  conflicts(): Conflict[];
  presence(): Presence;
  whenSaved(): Promise<void>;
  field(field: string): unknown;
  update(patch: Patch<S>): Promise<void>;
  /** Runs `change` on the record's Yjs types with its stamp, in one transaction (see writeEdit). */
  edit(change: () => void): void;
  delete(): Promise<void>;
  restore(): Promise<void>;
  yText(field: string): Y.Text;
  yArray(field: string): Y.Array<unknown>;
  watchChange(listener: (change: RecordChange<S>) => void): () => void;
  watchStatus(listener: (status: RecordSyncStatus) => void): () => void;
  watchRejected(listener: (rejected: RejectedChange) => void): () => void;
  watchConflicts(listener: (conflict: Conflict) => void): () => void;
}

/**
 * One record: read it, change it, bind an editor to it. A handle stays valid for the life of the client;
 * after a delete (here or on another replica) `deleted` is true and writes throw until `restore()`.
 */
export class RecordHandle<S extends Shape = Shape> {
  constructor(
    private readonly record: RecordOps<S>,
    /** The record's id within its collection. */
    readonly id: string,
    /** The record's Yjs document, `<collection>/<id>`; bind editors to it or to `text(field)`. */
    readonly doc: Y.Doc,
  ) {}

  /** The document name, `<collection>/<id>`. */
  get name(): string {
    return this.record.name;
  }

  /** All fields as plain values. The same object until the record changes. */
  get value(): RecordValue<S> {
    return this.record.entry().value;
  }

  get meta(): RecordMeta {
    return this.record.meta();
  }

  get deleted(): boolean {
    return this.meta.deleted;
  }

  /**
   * Where this record's local changes are: `local` (not yet sent), `sent` (the relay has them, not yet
   * committed), `saved` (committed and acknowledged) or `rejected` (refused by the relay for good and rolled
   * back to what it accepted; see the `rejected` event). Without a relay, always `local`.
   */
  get status(): RecordSyncStatus {
    return this.record.status();
  }

  /**
   * Undo and redo of this client's own changes to the record (a Y.UndoManager). Changes merged from other
   * replicas are never undone. Add your editor binding's origin with `undoManager.addTrackedOrigin()`.
   */
  get undoManager(): Y.UndoManager {
    return this.record.undoManager();
  }

  /** Reverts this client's last change (typing within half a second counts as one change). */
  undo(): void {
    this.undoManager.undo();
  }

  redo(): void {
    this.undoManager.redo();
  }

  /**
   * Makes `change` straight on the record's Yjs types (what an editor binding does), with the record's
   * metadata stamp in the same transaction (origin FROM_BINDING): one edit, one update.
   */
  edit(change: () => void): void {
    this.record.edit(change);
  }

  /** This record's changes as the relay keeps them: when, who, which fields (needs a relay). */
  history(): Promise<HistoryEntry[]> {
    return this.record.history();
  }

  /**
   * The bytes of the file in field `field` (a `t.file()` field, or `t.list(t.file())` with `index`): from
   * this device if they are here, else downloaded from the relay through this record and kept. Rejects
   * with FileUnavailableError when the field holds no file or neither can give the bytes.
   */
  file(field: FileFieldOf<S>, index?: number): Promise<Uint8Array> {
    const value = this.get(field) as unknown;
    const ref = index === undefined ? value : Array.isArray(value) ? value[index] : undefined;
    if (!isFileRef(ref))
      return Promise.reject(
        new FileUnavailableError(
          '',
          `Field "${field}"${index === undefined ? '' : `[${index}]`} of ${this.name} holds no file.`,
        ),
      );
    return this.record.readFile(ref);
  }

  /** Brings the fields back to what they were at `at`, as a new change (needs a relay). */
  restoreVersion(at: Date): Promise<void> {
    return this.record.restoreVersion(at);
  }

  /**
   * The conflicts not yet resolved: values written here that a concurrent change from elsewhere replaced, or
   * a concurrent delete that hid an edit made here. Each resolves in one call, `conflict.resolve(...)`.
   */
  conflicts(): Conflict[] {
    return this.record.conflicts();
  }

  /** Who else is on this record, and this client's own presence on it (needs a relay). */
  presence(): Presence {
    return this.record.presence();
  }

  /**
   * Resolves once every change made to this record before the call is committed by the relay; rejects with
   * WriteRejectedError when the relay refuses them for good.
   */
  whenSaved(): Promise<void> {
    return this.record.whenSaved();
  }

  /** One field's value; reads only that field when the record changed since its value was last read. */
  get<K extends keyof S & string>(field: K): OutOf<S[K]> {
    return this.record.field(field) as OutOf<S[K]>;
  }

  /** Sets one field. Text fields change by the smallest edit, so concurrent typing elsewhere survives. */
  set<K extends keyof S & string>(field: K, value: FieldInput<S, K>): Promise<void> {
    return this.record.update({ [field]: value } as Patch<S>);
  }

  update(patch: Patch<S>): Promise<void> {
    return this.record.update(patch);
  }

  delete(): Promise<void> {
    return this.record.delete();
  }

  restore(): Promise<void> {
    return this.record.restore();
  }

  /** The live Y.Text of a text field, for editor bindings. */
  text(field: TextFieldOf<S>): Y.Text {
    return this.record.yText(field);
  }

  /** The live Y.Array of a list field, for fine-grained list edits (push, insert) that merge item by item. */
  list(field: ListFieldOf<S>): Y.Array<unknown> {
    return this.record.yArray(field);
  }

  /** Calls `listener` after every change to this record, local or merged. Returns the unsubscribe function. */
  on(event: 'change', listener: (change: RecordChange<S>) => void): () => void;
  /** Calls `listener` whenever `status` changes (local, sent, saved, rejected). */
  on(event: 'status', listener: (status: RecordSyncStatus) => void): () => void;
  /**
   * Calls `listener` when the relay refuses this record's changes for good, once the record is rolled back:
   * with the reason (`code`, `message`), the refused change, and `retry()` / `discard()`.
   */
  on(event: 'rejected', listener: (rejected: RejectedChange) => void): () => void;
  /** Calls `listener` when a concurrent change from elsewhere replaces or hides a value written here. */
  on(event: 'conflict', listener: (conflict: Conflict) => void): () => void;
  on(
    event: 'change' | 'status' | 'rejected' | 'conflict',
    listener:
      | ((change: RecordChange<S>) => void)
      | ((status: RecordSyncStatus) => void)
      | ((rejected: RejectedChange) => void)
      | ((conflict: Conflict) => void),
  ): () => void {
    if (event === 'conflict') return this.record.watchConflicts(listener as (conflict: Conflict) => void);
    if (event === 'rejected')
      return this.record.watchRejected(listener as (rejected: RejectedChange) => void);
    if (event === 'status') return this.record.watchStatus(listener as (status: RecordSyncStatus) => void);
    return this.record.watchChange(listener as (change: RecordChange<S>) => void);
  }

  /** The collection's definition: the record's fields and their kinds. */
  get definition(): CollectionDefinition<S> {
    return this.record.definition;
  }

  toJSON(): RecordValue<S> {
    return this.value;
  }
}
