import * as Y from 'yjs';
import { FerryError, InvalidNameError, RecordDeletedError } from '../errors.js';
import type { FileRef } from '../files/FileRef.js';
import type { QueryEntry } from '../query/LiveQuery.js';
import type { RecordValue } from '../query/types.js';
import { clocksOf } from '../record/fieldClocks.js';
import { fieldsOf, hasContent, isDeleted, metaOf, type RecordMeta, readMeta } from '../record/layout.js';
import { type Author, readRecordField, writeDeleted, writeEdit, writePatch } from '../record/writes.js';
import { FROM_API, FROM_BINDING } from '../replica/origins.js';
import { type FieldIssue, rootTypesOf } from '../schema/codec.js';
import type { CollectionDefinition } from '../schema/defineCollection.js';
import { recordHost } from '../schema/FieldHost.js';
import type { Patch, Shape } from '../schema/fields.js';
import { isOlder, readVersioned, upgradeRecord } from '../schema/migrations.js';
import { validateFields } from '../schema/validate.js';
import type { RecordSyncStatus } from '../sync/Outbox.js';
import type { Presence } from '../sync/Presence.js';
import type { HistoryEntry, RelayHistory } from '../sync/RelayHistory.js';
import type { RejectedChange } from '../sync/Rollbacks.js';
import { Emitter } from '../util/Emitter.js';
import type { CollectionContext, InvalidData } from './CollectionContext.js';
import type { Conflict, RecordConflicts } from './Conflicts.js';
import { type RecordChange, RecordHandle, type RecordOps } from './RecordHandle.js';

/** What a record needs of its collection. */
export interface RecordOwner<S extends Shape> {
  readonly name: string;
  readonly definition: CollectionDefinition<S>;
  readonly context: CollectionContext;
  author(): Author;
  /** Merged data that does not fit the schema: the collection and the client tell the app. */
  invalid(report: InvalidData): void;
  /** The record of that id as the collection holds it now; throws RecordNotFoundError without one. */
  existing(id: string): RecordEntry<S>;
  relayHistory(): RelayHistory;
}

/** Fields every record has besides its own: queries and `read` reach them. */
export const META_FIELDS = new Set(['id', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy']);

/**
 * One record of a collection on this replica: its handle, the decoded value (until the record changes), its
 * undo manager, conflicts and listeners. Its handle calls it directly (see RecordOps).
 */
export class RecordEntry<S extends Shape> implements RecordOps<S> {
  readonly handle: RecordHandle<S>;
  readonly name: string;
  /** Created at the first local update or on first use (creation itself is not undoable). */
  undo: Y.UndoManager | undefined;
  /** The decoded record, until it changes. */
  cached: QueryEntry<RecordValue<S>> | undefined;
  /** Issues already reported, so a bad field is reported once, not on every change. */
  readonly #reported = new Set<string>();
  events: Emitter<{ change: RecordChange<S> }> | undefined;
  /** The record left the collection (hidden, or the client closed). */
  gone = false;

  constructor(
    private readonly owner: RecordOwner<S>,
    readonly id: string,
    readonly doc: Y.Doc,
    readonly recordConflicts: RecordConflicts,
  ) {
    this.name = `${owner.name}/${id}`;
    this.handle = new RecordHandle(this, id, doc);
  }

  get definition(): CollectionDefinition<S> {
    return this.owner.definition;
  }

  /** Whether the record exists and is not deleted. */
  get live(): boolean {
    return hasContent(this.doc) && !isDeleted(this.doc);
  }

  entry(): QueryEntry<RecordValue<S>> {
    return this.#current().decoded();
  }

  /** The decoded record: from the cache, else read and cached. */
  decoded(): QueryEntry<RecordValue<S>> {
    if (this.cached) return this.cached;
    const { id, doc } = this;
    const record = readVersioned(doc, this.owner.definition);
    const value = Object.freeze({ id, ...record.value }) as RecordValue<S>;
    for (const issue of record.issues) this.#report(issue);
    let meta: RecordMeta | undefined;
    const read = (field: string): unknown => {
      if (!META_FIELDS.has(field) || field === 'id') return (value as Record<string, unknown>)[field];
      meta ??= readMeta(doc);
      return meta[field as keyof RecordMeta];
    };
    this.cached = { id, value, read };
    return this.cached;
  }

  /** One field: from the decoded record if it is current, else decoding that field alone. */
  field(field: string): unknown {
    const state = this.#current();
    if (state.cached || isOlder(state.doc, state.definition))
      return (state.decoded().value as Record<string, unknown>)[field];
    const definition = state.definition.fields[field];
    if (!definition) return undefined;
    const issues: FieldIssue[] = [];
    const value = readRecordField(state.doc, field, definition, issues);
    for (const issue of issues) state.#report(issue);
    return value;
  }

  meta(): RecordMeta {
    return readMeta(this.#current().doc);
  }

  status(): RecordSyncStatus {
    return this.owner.context.sync?.statusOf(this.name) ?? 'local';
  }

  whenSaved(): Promise<void> {
    const sync = this.owner.context.sync;
    if (!sync)
      return Promise.reject(new FerryError('no-relay', 'This client has no relay to save to; pass a url.'));
    return sync.whenSaved(this.name);
  }

  /**
   * The record's undo manager: it tracks this client's own changes (through the API, bindings, or editors
   * using a null origin), never merged ones.
   */
  undoManager(): Y.UndoManager {
    const state = this.#current();
    const doc = state.doc;
    state.undo ??= new Y.UndoManager(
      [
        fieldsOf(doc),
        metaOf(doc),
        clocksOf(doc),
        ...rootTypesOf(doc, state.definition.fields),
      ] as Y.AbstractType<unknown>[],
      { trackedOrigins: new Set([FROM_API, FROM_BINDING, null]) },
    );
    return state.undo;
  }

  /** The bytes of a file the record refers to. */
  async readFile(ref: FileRef): Promise<Uint8Array> {
    this.#current();
    return this.owner.context.files!.read(this.name, ref);
  }

  history(): Promise<HistoryEntry[]> {
    return this.owner.relayHistory().changes(this.owner.name, this.id);
  }

  /** Writes the fields the record had at `at` as a new change: nothing is rewound, so it merges like any edit. */
  async restoreVersion(at: Date): Promise<void> {
    const fields = await this.owner.relayHistory().fieldsAt(this.owner.name, this.id, at);
    const patch: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(this.owner.definition.fields)) {
      const value = fields[key] ?? undefined;
      if (value === undefined) {
        // Absent then: empty text or list, a cleared optional field; other fields had no value to restore.
        if (field.kind === 'text') patch[key] = '';
        else if (field.kind === 'list') patch[key] = [];
        else if (field.presence === 'optional') patch[key] = undefined;
        continue;
      }
      patch[key] = field.kind === 'date' && typeof value === 'string' ? new Date(value) : value;
    }
    await this.update(patch as Patch<S>);
  }

  conflicts(): Conflict[] {
    return this.#current().recordConflicts.list();
  }

  presence(): Presence {
    this.#current();
    const sync = this.owner.context.sync;
    if (!sync) throw new FerryError('no-relay', 'Presence needs a relay; pass a url to createFerry.');
    return sync.presence(this.name);
  }

  /** Changes some fields. `undefined` clears an optional field. */
  update(patch: Patch<S>): Promise<void> {
    const owner = this.owner;
    validateFields(owner.name, owner.definition.fields, patch as Record<string, unknown>, '', 'patch');
    const doc = this.#writable();
    const author = owner.author();
    doc.transact(() => {
      // A record an older schema wrote is first written in this version's layout (see migrations).
      upgradeRecord(doc, owner.definition, author);
      writePatch(doc, owner.definition.fields, patch as Record<string, unknown>, author, FROM_API);
    }, FROM_API);
    return owner.context.replica.flush();
  }

  edit(change: () => void): void {
    writeEdit(this.#current().doc, change, this.owner.author(), FROM_BINDING);
  }

  delete(): Promise<void> {
    writeDeleted(this.#writable(), true, this.owner.author(), FROM_API);
    return this.owner.context.replica.flush();
  }

  /** Brings a deleted record back with the content it had, including edits merged after the delete. */
  restore(): Promise<void> {
    const doc = this.#current().doc;
    if (isDeleted(doc)) writeDeleted(doc, false, this.owner.author(), FROM_API);
    return this.owner.context.replica.flush();
  }

  /** The Y.Text of a text field, created (empty) if the stored record lacks it. */
  yText(field: string): Y.Text {
    return this.#yType(field, 'text') as Y.Text;
  }

  yArray(field: string): Y.Array<unknown> {
    return this.#yType(field, 'list') as Y.Array<unknown>;
  }

  watchChange(listener: (change: RecordChange<S>) => void): () => void {
    const state = this.#current();
    state.events ??= new Emitter();
    return state.events.on('change', listener);
  }

  watchStatus(listener: (status: RecordSyncStatus) => void): () => void {
    this.#current();
    return this.owner.context.sync?.watchStatus(this.name, listener) ?? (() => {});
  }

  watchRejected(listener: (rejected: RejectedChange) => void): () => void {
    return this.owner.context.sync?.watchRejected(this.name, listener) ?? (() => {});
  }

  watchConflicts(listener: (conflict: Conflict) => void): () => void {
    return this.#current().recordConflicts.on('conflict', listener);
  }

  /**
   * This record, while the collection holds it; a record that left and came back has a new entry, which a
   * handle kept from before reaches through its id.
   */
  #current(): RecordEntry<S> {
    if (!this.gone && hasContent(this.doc)) return this;
    return this.owner.existing(this.id);
  }

  #writable(): Y.Doc {
    const state = this.#current();
    if (readMeta(state.doc).deleted) throw new RecordDeletedError(state.owner.name, state.id);
    state.undoManager();
    return state.doc;
  }

  #yType(field: string, kind: 'text' | 'list'): Y.Text | Y.Array<unknown> {
    if (this.owner.definition.fields[field]?.kind !== kind) {
      throw new InvalidNameError(`"${field}" is not a ${kind} field of "${this.owner.name}".`);
    }
    const state = this.#current();
    const host = recordHost(state.doc);
    // An editor typing into it must be undoable from its first keystroke.
    state.undoManager();
    return kind === 'text' ? host.shared(field, 'text') : host.shared(field, 'list');
  }

  #report(issue: FieldIssue): void {
    const key = `${issue.field}\u0000${safeJson(issue.value)}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.owner.invalid({ collection: this.owner.name, id: this.id, ...issue });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
