import * as Y from 'yjs';
import { DuplicateRecordError, FerryError, RecordNotFoundError } from '../errors.js';
import { assertRecordId, documentName, randomId } from '../ids.js';
import { compileOrder, compileWhere, QueryError } from '../query/compile.js';
import { LiveQuery, type QueryEntry, type QuerySource } from '../query/LiveQuery.js';
import type { QuerySpec, RecordValue } from '../query/types.js';
import { stampEdit } from '../record/fieldClocks.js';
import { initialContent } from '../record/initialContent.js';
import { hasContent, stampCreated, stampUpdated } from '../record/layout.js';
import { type Author, writeCreate } from '../record/writes.js';
import { FROM_API, FROM_BINDING, FROM_ROLLBACK, FROM_STAMP } from '../replica/origins.js';
import type { DocumentChange } from '../replica/Replica.js';
import type { CollectionDefinition } from '../schema/defineCollection.js';
import type { Input, Patch, Shape } from '../schema/fields.js';
import { readVersioned, stampVersion } from '../schema/migrations.js';
import { validateFields } from '../schema/validate.js';
import { Emitter } from '../util/Emitter.js';
import { handled } from '../util/promises.js';
import type { CollectionContext, InvalidData } from './CollectionContext.js';
import { type Conflict, RecordConflicts } from './Conflicts.js';
import { META_FIELDS, RecordEntry, type RecordOwner } from './RecordEntry.js';
import type { RecordChange, RecordHandle } from './RecordHandle.js';

export type { CollectionContext, InvalidData } from './CollectionContext.js';
export type { RecordChange } from './RecordHandle.js';

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

/**
 * The records of one collection on this replica. Writes apply to the in-memory documents at once (and throw
 * at once on bad input); the promise they return settles when the change is in the local store.
 */
export class Collection<S extends Shape = Shape> implements QuerySource<RecordValue<S>> {
  readonly name: string;
  readonly #records = new Map<string, RecordEntry<S>>();
  readonly #watchers = new Set<(id: string, entry: QueryEntry<RecordValue<S>> | undefined) => void>();
  readonly #events = new Emitter<CollectionEvents<S>>();
  #version = 0;
  /** What each record reaches of its collection. */
  readonly #owner: RecordOwner<S>;

  constructor(
    readonly definition: CollectionDefinition<S>,
    private readonly context: CollectionContext,
  ) {
    this.name = definition.name;
    this.#owner = {
      name: this.name,
      definition,
      context,
      author: () => this.#author(),
      invalid: (report) => {
        this.#events.emit('invalid', report);
        context.reportInvalid(report);
      },
      existing: (id) => this.#existing(id),
      relayHistory: () => {
        if (!context.sync)
          throw new FerryError('no-relay', 'History is kept by the relay; pass a url to createFerry.');
        return context.sync.history;
      },
    };
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
    return state?.live ? state.handle : undefined;
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
    const state = this.#records.get(id);
    if (state) return state.update(patch);
    validateFields(this.name, this.definition.fields, patch as Record<string, unknown>, '', 'patch');
    throw new RecordNotFoundError(this.name, id);
  }

  /** Deletes a record: a tombstone that replicates; a concurrent edit elsewhere does not bring it back. */
  delete(id: string): Promise<void> {
    return this.#existing(id).delete();
  }

  /** Brings a deleted record back with the content it had, including edits merged after the delete. */
  restore(id: string): Promise<void> {
    return this.#existing(id).restore();
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
    for (const state of this.#records.values()) if (state.live) yield state.decoded();
  }

  /** @internal */
  watch(listener: (id: string, entry: QueryEntry<RecordValue<S>> | undefined) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
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

  /** The unresolved conflicts of every record, deleted ones included (a delete conflict hides its record). */
  conflicts(): Conflict[] {
    return [...this.#records.values()].flatMap((state) => state.recordConflicts.list());
  }

  /** @internal The client closed: let go of every record, so nothing of them stays in memory. */
  release(): void {
    for (const state of this.#records.values()) {
      state.undo?.destroy();
      state.recordConflicts.destroy();
      state.gone = true;
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
    this.#records.set(id, new RecordEntry(this.#owner, id, doc, conflicts));
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
    state.recordConflicts.destroy();
    state.gone = true;
    this.#records.delete(id);
    this.#version++;
    for (const watcher of [...this.#watchers]) watcher(id, undefined);
    this.#events.emit('hidden', { collection: this.name, id });
  }

  /** @internal Called by the client for every change to a document of this collection. */
  changed(id: string, change: DocumentChange): void {
    const state = this.#records.get(id);
    if (!state) return;
    state.cached = undefined;
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
    const entry = state.live ? state.decoded() : undefined;
    for (const watcher of [...this.#watchers]) watcher(id, entry);
  }

  #author(): Author {
    return { actor: this.context.actor, now: this.context.now() };
  }

  #existing(id: string): RecordEntry<S> {
    const state = this.#records.get(id);
    if (!state || !hasContent(state.handle.doc)) throw new RecordNotFoundError(this.name, id);
    return state;
  }
}
