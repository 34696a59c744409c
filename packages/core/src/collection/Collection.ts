import * as Y from 'yjs';
import {
  DuplicateRecordError,
  FerryError,
  InvalidNameError,
  RecordDeletedError,
  RecordNotFoundError,
} from '../errors.js';
import type { FileRef } from '../files/FileRef.js';
import { assertRecordId, documentName, randomId } from '../ids.js';
import { compileOrder, compileWhere, QueryError } from '../query/compile.js';
import { LiveQuery, type QueryEntry, type QuerySource } from '../query/LiveQuery.js';
import type { QuerySpec, RecordValue } from '../query/types.js';
import { clocksOf, stampEdit } from '../record/fieldClocks.js';
import { initialContent } from '../record/initialContent.js';
import {
  fieldsOf,
  hasContent,
  isDeleted,
  metaOf,
  type RecordMeta,
  readMeta,
  stampCreated,
  stampUpdated,
} from '../record/layout.js';
import {
  type Author,
  readRecordField,
  writeCreate,
  writeDeleted,
  writeEdit,
  writePatch,
} from '../record/writes.js';
import { FROM_API, FROM_BINDING, FROM_ROLLBACK, FROM_STAMP } from '../replica/origins.js';
import type { DocumentChange, Replica } from '../replica/Replica.js';
import { type FieldIssue, rootTypesOf } from '../schema/codec.js';
import type { CollectionDefinition } from '../schema/defineCollection.js';
import { recordHost } from '../schema/FieldHost.js';
import type { Input, Patch, Shape } from '../schema/fields.js';
import { isOlder, readVersioned, stampVersion, upgradeRecord } from '../schema/migrations.js';
import { validateFields } from '../schema/validate.js';
import type { RecordSyncStatus } from '../sync/Outbox.js';
import type { Presence } from '../sync/Presence.js';
import type { HistoryEntry, RelayHistory } from '../sync/RelayHistory.js';
import type { RejectedChange } from '../sync/Rollbacks.js';
import { Emitter } from '../util/Emitter.js';
import { handled } from '../util/promises.js';
import { type Conflict, RecordConflicts } from './Conflicts.js';
import { RecordHandle } from './RecordHandle.js';

/** A change to one record, local or merged from elsewhere. */
export interface RecordChange<S extends Shape> {
  readonly id: string;
  readonly record: RecordHandle<S>;
  /** True for changes made on this replica. */
  readonly local: boolean;
  readonly origin: unknown;
}

/** Merged data that does not fit the schema. The field reads as its default until it is fixed. */
export interface InvalidData extends FieldIssue {
  readonly collection: string;
  readonly id: string;
}

/** A record the relay's rules no longer let this user read: it was removed from this device. */
export interface HiddenRecord {
  readonly collection: string;
  readonly id: string;
}

export interface CollectionEvents<S extends Shape> {
  change: RecordChange<S>;
  invalid: InvalidData;
  /** A record left this device because the relay's rules no longer let this user read it. */
  hidden: HiddenRecord;
  /** A concurrent change from elsewhere replaced or hid a value written on this device; see Conflict. */
  conflict: Conflict;
}

/** What a collection needs from its client. */
export interface CollectionContext {
  readonly replica: Replica;
  readonly actor: string;
  now(): number;
  random(): number;
  reportInvalid(issue: InvalidData): void;
  /** Present when the client syncs with a relay. */
  readonly sync?: {
    statusOf(name: string): RecordSyncStatus;
    watchStatus(name: string, listener: (status: RecordSyncStatus) => void): () => void;
    watchRejected(name: string, listener: (rejected: RejectedChange) => void): () => void;
    whenSaved(name: string): Promise<void>;
    whenSynced(): Promise<void>;
    presence(name: string): Presence;
    readonly history: RelayHistory;
  };
  /** The client's files (ferry.files). */
  readonly files?: { read(record: string, ref: FileRef): Promise<Uint8Array> };
}

interface RecordState<S extends Shape> {
  readonly handle: RecordHandle<S>;
  /** Created at the first local update or on first use (creation itself is not undoable). */
  undo: Y.UndoManager | undefined;
  entry: QueryEntry<RecordValue<S>> | undefined;
  /** Issues already reported, so a bad field is reported once, not on every change. */
  readonly reported: Set<string>;
  events: Emitter<{ change: RecordChange<S> }> | undefined;
  readonly conflicts: RecordConflicts;
}

const META_FIELDS = new Set(['id', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy']);

/**
 * The records of one collection on this replica. Writes apply to the in-memory documents at once (and throw
 * at once on bad input); the promise they return settles when the change is in the local store.
 */
export class Collection<S extends Shape = Shape> implements QuerySource<RecordValue<S>> {
  readonly name: string;
  readonly #records = new Map<string, RecordState<S>>();
  readonly #watchers = new Set<(id: string, entry: QueryEntry<RecordValue<S>> | undefined) => void>();
  readonly #events = new Emitter<CollectionEvents<S>>();
  #version = 0;

  constructor(
    readonly definition: CollectionDefinition<S>,
    private readonly context: CollectionContext,
  ) {
    this.name = definition.name;
  }

  get version(): number {
    return this.#version;
  }

  on = this.#events.on.bind(this.#events);

  /** Creates a record. Fields left out take their defaults; the id is random unless given. */
  create(values: Input<S>, options: { id?: string } = {}): Promise<RecordHandle<S>> {
    validateFields(this.name, this.definition.fields, values as Record<string, unknown>, '', 'create');
    const id = options.id ?? randomId(() => this.context.random());
    assertRecordId(id);
    const existing = this.#records.get(id);
    if (existing && hasContent(existing.handle.doc)) throw new DuplicateRecordError(this.name, id);
    const doc = this.context.replica.open(documentName(this.name, id));
    doc.transact(() => {
      writeCreate(doc, this.definition.fields, values as Record<string, unknown>, this.#author(), FROM_API);
      stampVersion(doc, this.definition);
    }, FROM_API);
    const record = this.#records.get(id)!.handle;
    return handled(this.context.replica.flush().then(() => record));
  }

  /**
   * Creates the record unless this replica has it already, in which case nothing changes. The fields are
   * written as the same update on every device (see initialContent), so devices that ensure one id at
   * once, online or offline, end up with one copy: a field given the same value everywhere is written
   * once, text included. Give the same `initial` everywhere; a field given differently merges like two
   * concurrent writes. A deleted record stays deleted: the handle is returned with `deleted` true.
   * createdAt/createdBy/updatedAt/updatedBy are this device's, plain values of which one wins.
   */
  ensure(id: string, initial: Input<S>): Promise<RecordHandle<S>> {
    validateFields(this.name, this.definition.fields, initial as Record<string, unknown>, '', 'create');
    assertRecordId(id);
    const name = documentName(this.name, id);
    const doc = this.context.replica.open(name);
    if (!hasContent(doc)) {
      const content = initialContent(name, this.definition.fields, initial as Record<string, unknown>);
      const author = this.#author();
      doc.transact((transaction) => {
        Y.applyUpdate(doc, content);
        // Yjs marks a transaction that applies an update as remote; this one is a change of this replica,
        // stored, sent and tracked like a create (and Yjs must not think another client took its id).
        transaction.local = true;
        stampCreated(doc, author.now, author.actor);
        stampVersion(doc, this.definition);
      }, FROM_API);
    }
    const record = this.#records.get(id)!.handle;
    return handled(this.context.replica.flush().then(() => record));
  }

  /** The record, or undefined when it does not exist or was deleted. */
  get(id: string): RecordHandle<S> | undefined {
    const state = this.#records.get(id);
    return state && this.#isLive(state) ? state.handle : undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Every record that exists and is not deleted, oldest first. */
  list(): RecordHandle<S>[] {
    const live = [...this.entries()];
    const order = compileOrder('createdAt');
    return live.sort((a, b) => order(a.read, b.read)).map((e) => this.#records.get(e.id)!.handle);
  }

  /** Changes some fields. `undefined` clears an optional field. */
  update(id: string, patch: Patch<S>): Promise<void> {
    validateFields(this.name, this.definition.fields, patch as Record<string, unknown>, '', 'patch');
    const doc = this.#writable(id);
    const author = this.#author();
    doc.transact(() => {
      // A record an older schema wrote is first written in this version's layout (see migrations).
      upgradeRecord(doc, this.definition, author);
      writePatch(doc, this.definition.fields, patch as Record<string, unknown>, author, FROM_API);
    }, FROM_API);
    return this.context.replica.flush();
  }

  /** @internal Runs `change` on the record's Yjs types with its stamp, in one transaction (see writeEdit). */
  edit(id: string, change: () => void): void {
    writeEdit(this.#existing(id).handle.doc, change, this.#author(), FROM_BINDING);
  }

  /** Deletes a record: a tombstone that replicates; a concurrent edit elsewhere does not bring it back. */
  delete(id: string): Promise<void> {
    writeDeleted(this.#writable(id), true, this.#author(), FROM_API);
    return this.context.replica.flush();
  }

  /** Brings a deleted record back with the content it had, including edits merged after the delete. */
  restore(id: string): Promise<void> {
    const state = this.#existing(id);
    const doc = state.handle.doc;
    if (isDeleted(doc)) writeDeleted(doc, false, this.#author(), FROM_API);
    return this.context.replica.flush();
  }

  /** A live query; see QuerySpec. Unknown field names are refused. */
  query(spec: QuerySpec<S> = {}): LiveQuery<RecordValue<S>> {
    const orderBy =
      spec.orderBy === undefined ? [] : Array.isArray(spec.orderBy) ? spec.orderBy : [spec.orderBy];
    const named = [
      ...Object.keys(spec.where ?? {}),
      ...orderBy.map((o) => (typeof o === 'string' ? o : (o as { field: string }).field)),
    ];
    for (const field of named) {
      if (!META_FIELDS.has(field) && !Object.hasOwn(this.definition.fields, field)) {
        throw new QueryError(`"${this.name}" has no field "${field}" to query on.`);
      }
    }
    if (spec.limit !== undefined && !(Number.isInteger(spec.limit) && spec.limit >= 0)) {
      throw new QueryError(`Query limit must be a whole number, got ${spec.limit}.`);
    }
    return new LiveQuery(
      this,
      compileWhere(spec.where),
      compileOrder(spec.orderBy as Parameters<typeof compileOrder>[0]),
      spec.limit,
    );
  }

  /** @internal Live entries, for queries. */
  *entries(): IterableIterator<QueryEntry<RecordValue<S>>> {
    for (const state of this.#records.values()) if (this.#isLive(state)) yield this.#entry(state);
  }

  /** @internal */
  watch(listener: (id: string, entry: QueryEntry<RecordValue<S>> | undefined) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  /** @internal */
  entryOf(id: string): QueryEntry<RecordValue<S>> {
    return this.#entry(this.#existing(id));
  }

  /** @internal One field: from the decoded record if it is current, else decoding that field alone. */
  fieldOf(id: string, field: string): unknown {
    const state = this.#existing(id);
    if (state.entry || isOlder(state.handle.doc, this.definition))
      return (this.#entry(state).value as Record<string, unknown>)[field];
    const definition = this.definition.fields[field];
    if (!definition) return undefined;
    const issues: FieldIssue[] = [];
    const value = readRecordField(state.handle.doc, field, definition, issues);
    for (const issue of issues) this.#report(state, issue);
    return value;
  }

  /** @internal */
  statusOf(id: string): RecordSyncStatus {
    return this.context.sync?.statusOf(`${this.name}/${id}`) ?? 'local';
  }

  /**
   * Resolves once this collection has caught up with the relay: its records are here and its local changes
   * committed. Await it after opening a collection; `client.whenSynced()` covers only the collections open
   * when it is called. It waits for the client as a whole, every collection open so far included. Without
   * a relay, it resolves once every change is in the local store.
   */
  whenSynced(): Promise<void> {
    return this.context.sync ? this.context.sync.whenSynced() : this.context.replica.flush();
  }

  /** @internal */
  whenSaved(id: string): Promise<void> {
    const sync = this.context.sync;
    if (!sync)
      return Promise.reject(new FerryError('no-relay', 'This client has no relay to save to; pass a url.'));
    return sync.whenSaved(`${this.name}/${id}`);
  }

  /**
   * @internal The record's undo manager: it tracks this client's own changes (through the API, bindings, or
   * editors using a null origin), never merged ones.
   */
  undoManagerOf(id: string): Y.UndoManager {
    const state = this.#existing(id);
    const doc = state.handle.doc;
    state.undo ??= new Y.UndoManager(
      [
        fieldsOf(doc),
        metaOf(doc),
        clocksOf(doc),
        ...rootTypesOf(doc, this.definition.fields),
      ] as Y.AbstractType<unknown>[],
      { trackedOrigins: new Set([FROM_API, FROM_BINDING, null]) },
    );
    return state.undo;
  }

  /** @internal */
  /** @internal The bytes of a file record `id` refers to. */
  async readFile(id: string, ref: FileRef): Promise<Uint8Array> {
    this.#existing(id);
    return this.context.files!.read(`${this.name}/${id}`, ref);
  }

  /** @internal */
  historyOf(id: string): Promise<HistoryEntry[]> {
    return this.#relayHistory().changes(this.name, id);
  }

  /**
   * @internal Writes the fields the record had at `at` as a new change: nothing is rewound, so the restore
   * merges like any edit and can itself be undone.
   */
  async restoreVersion(id: string, at: Date): Promise<void> {
    const fields = await this.#relayHistory().fieldsAt(this.name, id, at);
    const patch: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(this.definition.fields)) {
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
    await this.update(id, patch as Patch<S>);
  }

  #relayHistory(): RelayHistory {
    const sync = this.context.sync;
    if (!sync) throw new FerryError('no-relay', 'History is kept by the relay; pass a url to createFerry.');
    return sync.history;
  }

  /** The unresolved conflicts of every record, deleted ones included (a delete conflict hides its record). */
  conflicts(): Conflict[] {
    return [...this.#records.values()].flatMap((state) => state.conflicts.list());
  }

  /** @internal */
  conflictsOf(id: string): Conflict[] {
    return this.#existing(id).conflicts.list();
  }

  /** @internal */
  watchConflicts(id: string, listener: (conflict: Conflict) => void): () => void {
    return this.#existing(id).conflicts.on('conflict', listener);
  }

  /** @internal */
  presenceOf(id: string): Presence {
    this.#existing(id);
    const sync = this.context.sync;
    if (!sync) throw new FerryError('no-relay', 'Presence needs a relay; pass a url to createFerry.');
    return sync.presence(`${this.name}/${id}`);
  }

  /** @internal */
  metaOf(id: string): RecordMeta {
    return readMeta(this.#existing(id).handle.doc);
  }

  /** @internal */
  watchRecord(id: string, event: 'change', listener: (change: RecordChange<S>) => void): () => void {
    const state = this.#existing(id);
    state.events ??= new Emitter();
    return state.events.on(event, listener);
  }

  /** @internal */
  watchStatus(id: string, listener: (status: RecordSyncStatus) => void): () => void {
    this.#existing(id);
    return this.context.sync?.watchStatus(`${this.name}/${id}`, listener) ?? (() => {});
  }
  /** @internal */
  watchRejected(id: string, listener: (rejected: RejectedChange) => void): () => void {
    return this.context.sync?.watchRejected(`${this.name}/${id}`, listener) ?? (() => {});
  }

  /** @internal The Y.Text of a text field, created (empty) if the stored record lacks it. */
  yText(id: string, field: string): Y.Text {
    return this.#yType(id, field, 'text') as Y.Text;
  }

  /** @internal */
  yArray(id: string, field: string): Y.Array<unknown> {
    return this.#yType(id, field, 'list') as Y.Array<unknown>;
  }

  /** @internal The client closed: let go of every record, so nothing of them stays in memory. */
  release(): void {
    for (const state of this.#records.values()) {
      state.undo?.destroy();
      state.conflicts.destroy();
    }
    this.#records.clear();
    this.#watchers.clear();
  }

  /** @internal Called by the client for every document of this collection the replica holds or gains. */
  track(id: string, doc: Y.Doc): void {
    if (this.#records.has(id)) return;
    const conflicts = new RecordConflicts(doc, this.name, id, this.definition.fields, this.context.actor, {
      write: (field, value) => this.update(id, { [field]: value } as Patch<S>),
      restore: () => this.restore(id),
      read: () => readVersioned(doc, this.definition).value,
    });
    conflicts.on('conflict', (conflict) => this.#events.emit('conflict', conflict));
    this.#records.set(id, {
      handle: new RecordHandle(this, id, doc),
      undo: undefined,
      entry: undefined,
      reported: new Set(),
      events: undefined,
      conflicts,
    });
    if (hasContent(doc)) this.#publish(id);
  }

  /**
   * @internal The record left the replica (the relay no longer lets this user read it): queries drop it,
   * `get` answers undefined, and `hidden` tells the app.
   */
  forgotten(id: string): void {
    const state = this.#records.get(id);
    if (!state) return;
    state.undo?.destroy();
    state.conflicts.destroy();
    this.#records.delete(id);
    this.#version++;
    for (const watcher of [...this.#watchers]) watcher(id, undefined);
    this.#events.emit('hidden', { collection: this.name, id });
  }

  /** @internal Called by the client for every change to a document of this collection. */
  changed(id: string, change: DocumentChange): void {
    const state = this.#records.get(id);
    if (!state) return;
    state.entry = undefined;
    this.#version++;
    const { doc, local, origin } = change;
    // Edits made straight on a Yjs type (editor bindings, undo) get their metadata stamp here.
    // A rollback is the relay's own state: stamping it would be a change of this client, refused again.
    if (
      local &&
      origin !== FROM_API &&
      origin !== FROM_STAMP &&
      origin !== FROM_BINDING &&
      origin !== FROM_ROLLBACK &&
      hasContent(doc)
    ) {
      doc.transact(() => {
        const author = this.#author();
        stampUpdated(doc, author.now, author.actor);
        // Text typed into an editor has no stamp of its own; a delete conflict needs to know of it.
        stampEdit(doc, author);
      }, FROM_STAMP);
    }
    this.#publish(id);
    const event: RecordChange<S> = { id, record: state.handle, local, origin };
    state.events?.emit('change', event);
    this.#events.emit('change', event);
  }

  #publish(id: string): void {
    if (this.#watchers.size === 0) return;
    const state = this.#records.get(id)!;
    const entry = this.#isLive(state) ? this.#entry(state) : undefined;
    for (const watcher of [...this.#watchers]) watcher(id, entry);
  }

  #entry(state: RecordState<S>): QueryEntry<RecordValue<S>> {
    if (state.entry) return state.entry;
    const { id, doc } = state.handle;
    const issues: FieldIssue[] = [];
    const record = readVersioned(doc, this.definition);
    issues.push(...record.issues);
    const value = Object.freeze({ id, ...record.value }) as RecordValue<S>;
    for (const issue of issues) this.#report(state, issue);
    let meta: RecordMeta | undefined;
    const read = (field: string): unknown => {
      if (!META_FIELDS.has(field) || field === 'id') return (value as Record<string, unknown>)[field];
      meta ??= readMeta(doc);
      return meta[field as keyof RecordMeta];
    };
    state.entry = { id, value, read };
    return state.entry;
  }

  #report(state: RecordState<S>, issue: FieldIssue): void {
    const key = `${issue.field}\u0000${safeJson(issue.value)}`;
    if (state.reported.has(key)) return;
    state.reported.add(key);
    const report: InvalidData = { collection: this.name, id: state.handle.id, ...issue };
    this.#events.emit('invalid', report);
    this.context.reportInvalid(report);
  }

  #author(): Author {
    return { actor: this.context.actor, now: this.context.now() };
  }

  #isLive(state: RecordState<S>): boolean {
    const doc = state.handle.doc;
    return hasContent(doc) && !isDeleted(doc);
  }

  #existing(id: string): RecordState<S> {
    const state = this.#records.get(id);
    if (!state || !hasContent(state.handle.doc)) throw new RecordNotFoundError(this.name, id);
    return state;
  }

  #writable(id: string): Y.Doc {
    const state = this.#existing(id);
    if (readMeta(state.handle.doc).deleted) throw new RecordDeletedError(this.name, id);
    this.undoManagerOf(id);
    return state.handle.doc;
  }

  #yType(id: string, field: string, kind: 'text' | 'list'): Y.Text | Y.Array<unknown> {
    if (this.definition.fields[field]?.kind !== kind) {
      throw new InvalidNameError(`"${field}" is not a ${kind} field of "${this.name}".`);
    }
    const host = recordHost(this.#existing(id).handle.doc);
    // An editor typing into it must be undoable from its first keystroke.
    this.undoManagerOf(id);
    return kind === 'text' ? host.shared(field, 'text') : host.shared(field, 'list');
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
