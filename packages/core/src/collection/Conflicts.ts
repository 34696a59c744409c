/**
 * Conflicts a user can see: a concurrent write from elsewhere replaced a value written on this device, or a
 * concurrent delete hid an edit made here. The merge itself is already done (by Yjs, or by the `latest`
 * policy); a conflict tells the app what was lost and lets the user put it back in one call. Found from the
 * stamps of `fieldClocks` as remote changes land; kept in memory until resolved.
 */
import type * as Y from 'yjs';
import {
  clocksOf,
  DELETED_KEY,
  EDITED_PREFIX,
  isDeletionStamp,
  lastEditOf,
  parseRegisterKey,
  readFieldStamp,
  registerEntries,
  stampOf,
} from '../record/fieldClocks.js';
import { wallOf } from '../record/Hlc.js';
import { fieldsOf, isDeleted } from '../record/layout.js';
import type { AnyField, Shape } from '../schema/fields.js';
import { Emitter } from '../util/Emitter.js';

/** One side of a conflict: the value, who wrote it and when (by their device's hybrid clock). */
export interface ConflictSide {
  /** The field's value, or for a delete conflict the record's fields (local) and undefined (remote). */
  readonly value: unknown;
  readonly by: string;
  readonly at: Date;
}

interface ConflictBase {
  readonly collection: string;
  readonly id: string;
  /** What this device wrote, which the merge hid. */
  readonly local: ConflictSide;
  /** What the other device wrote, which the record now shows. */
  readonly remote: ConflictSide;
}

/** A concurrent write elsewhere replaced a value written here. */
export interface WriteConflict extends ConflictBase {
  readonly kind: 'write';
  readonly field: string;
  /** Writes `value` (either side's, or a new one) as a change that has seen both, and closes the conflict. */
  resolve(value: unknown): Promise<void>;
}

/** A delete elsewhere, which had not seen an edit made here, hides the record. */
export interface DeleteConflict extends ConflictBase {
  readonly kind: 'delete';
  readonly field: undefined;
  /** `'restore'` brings the record back with its content, edits included; `'delete'` accepts the delete. */
  resolve(choice: 'restore' | 'delete'): Promise<void>;
}

export type Conflict = WriteConflict | DeleteConflict;

/** What resolving needs from the collection. */
export interface ConflictActions {
  write(field: string, value: unknown): Promise<void>;
  restore(): Promise<void>;
  /** The record's fields as plain values now. */
  read(): Record<string, unknown>;
}

const DELETE = '\u0000delete';

/** The open conflicts of one record, kept up to date as changes land. */
export class RecordConflicts {
  readonly #open = new Map<string, Conflict>();
  readonly #events = new Emitter<{ conflict: Conflict }>();
  /** Per transaction: the old plain values of the fields it changed, and which clock keys it changed. */
  #oldValues = new Map<string, unknown>();
  #oldStamps = new Map<string, unknown>();
  readonly #fields: Y.Map<unknown>;
  readonly #clocks: Y.Map<unknown>;

  constructor(
    private readonly doc: Y.Doc,
    private readonly collection: string,
    private readonly id: string,
    private readonly shape: Shape,
    private readonly actor: string,
    private readonly actions: ConflictActions,
  ) {
    this.#fields = fieldsOf(doc);
    this.#clocks = clocksOf(doc);
    this.#fields.observe(this.#onFields);
    this.#clocks.observe(this.#onClocks);
    doc.on('afterTransaction', this.#afterTransaction);
    // What the record already holds, loaded from this device's store: a `latest` write from here that lost,
    // a delete that hid an edit from here. (A Yjs-merged value that lost is gone; it was told once.)
    const latest = Object.keys(shape).filter((key) => shape[key]!.policy === 'latest');
    for (const conflict of [
      ...latest.flatMap((key) => this.#registerConflict(key)),
      ...this.#deleteConflict(),
    ])
      this.#open.set(conflict.field ?? DELETE, conflict);
  }

  on = this.#events.on.bind(this.#events);

  /** The unresolved conflicts, oldest first. */
  list(): Conflict[] {
    return [...this.#open.values()];
  }

  destroy(): void {
    this.#fields.unobserve(this.#onFields);
    this.#clocks.unobserve(this.#onClocks);
    this.doc.off('afterTransaction', this.#afterTransaction);
  }

  readonly #onFields = (event: Y.YMapEvent<unknown>): void => {
    for (const [key, change] of event.changes.keys) this.#oldValues.set(key, change.oldValue);
  };

  readonly #onClocks = (event: Y.YMapEvent<unknown>): void => {
    for (const [key, change] of event.changes.keys) this.#oldStamps.set(key, change.oldValue);
  };

  readonly #afterTransaction = (transaction: Y.Transaction): void => {
    const oldValues = this.#oldValues;
    const oldStamps = this.#oldStamps;
    this.#oldValues = new Map();
    this.#oldStamps = new Map();
    if (oldStamps.size === 0) return;
    if (transaction.local) {
      // A write here to a field in conflict is the user's answer to it.
      for (const key of oldStamps.keys()) {
        if (!key.startsWith(EDITED_PREFIX)) this.#open.delete(parseRegisterKey(key)?.field ?? key);
      }
      if (!isDeleted(this.doc)) this.#open.delete(DELETE);
      return;
    }
    // Someone else's answer closes a conflict too: a restore, or a write that saw every write of the register.
    if (!isDeleted(this.doc)) this.#open.delete(DELETE);
    const found: Conflict[] = [];
    const latestFields = new Set<string>();
    for (const [key, old] of oldStamps) {
      const registered = parseRegisterKey(key);
      if (registered) latestFields.add(registered.field);
      else if (key.startsWith(EDITED_PREFIX)) continue;
      else if (key === DELETED_KEY) found.push(...this.#deleteConflict());
      else found.push(...this.#overwritten(key, old, oldValues));
    }
    for (const field of latestFields) {
      if (registerEntries(this.#clocks, field).length <= 1) this.#open.delete(field);
      found.push(...this.#registerConflict(field));
    }
    for (const conflict of found) {
      this.#open.set(conflict.field ?? DELETE, conflict);
      this.#events.emit('conflict', conflict);
    }
  };

  /** A Yjs-merged field whose value, written here, a write that had not seen it replaced. */
  #overwritten(key: string, old: unknown, oldValues: Map<string, unknown>): Conflict[] {
    const field = this.#plainField(key);
    const now = stampOf(this.#clocks, key);
    const before = readFieldStamp(old);
    if (!field || !now || !before?.at || before.by !== this.actor || now.seen >= before.at) return [];
    if (!oldValues.has(key)) return [];
    return [
      this.#writeConflict(
        key,
        { value: decode(field, oldValues.get(key)), by: before.by, at: new Date(wallOf(before.at)) },
        { value: decode(field, this.#fields.get(key)), by: now.by, at: new Date(wallOf(now.at)) },
      ),
    ];
  }

  /** A `latest` field whose register holds a write from here that a concurrent one beat. */
  #registerConflict(key: string): Conflict[] {
    const field = this.#plainField(key);
    const entries = registerEntries(this.#clocks, key);
    const winner = entries.at(-1);
    const mine = entries.filter((e) => e.by === this.actor && e !== winner).at(-1);
    if (!field || !winner || !mine) return [];
    const open = this.#open.get(key);
    if (open && open.remote.by === winner.by && open.remote.at.getTime() === wallOf(winner.at)) return [];
    return [
      this.#writeConflict(
        key,
        { value: decode(field, mine.stored), by: mine.by, at: new Date(wallOf(mine.at)) },
        { value: decode(field, winner.stored), by: winner.by, at: new Date(wallOf(winner.at)) },
      ),
    ];
  }

  /** A delete from elsewhere that had not seen the last edit made here. */
  #deleteConflict(): Conflict[] {
    const deletion = this.#clocks.get(DELETED_KEY);
    if (!isDeletionStamp(deletion) || !isDeleted(this.doc) || deletion.by === this.actor) return [];
    const edit = lastEditOf(this.#clocks, this.actor);
    if (edit === undefined || edit <= (deletion.edits[this.actor] ?? '')) return [];
    const conflict: DeleteConflict = {
      kind: 'delete',
      field: undefined,
      collection: this.collection,
      id: this.id,
      local: { value: this.actions.read(), by: this.actor, at: new Date(wallOf(edit)) },
      remote: { value: undefined, by: deletion.by, at: new Date(wallOf(deletion.at)) },
      resolve: async (choice) => {
        this.#open.delete(DELETE);
        if (choice === 'restore') await this.actions.restore();
      },
    };
    return [conflict];
  }

  #writeConflict(field: string, local: ConflictSide, remote: ConflictSide): WriteConflict {
    return {
      kind: 'write',
      field,
      collection: this.collection,
      id: this.id,
      local,
      remote,
      resolve: async (value) => {
        this.#open.delete(field);
        await this.actions.write(field, value);
      },
    };
  }

  #plainField(key: string): AnyField | undefined {
    return Object.hasOwn(this.shape, key) ? this.shape[key] : undefined;
  }
}

/** A stored plain value as the app reads it: dates as Date, a cleared value as undefined. */
function decode(field: AnyField, stored: unknown): unknown {
  if (stored === null || stored === undefined) return undefined;
  return field.kind === 'date' && typeof stored === 'number' ? new Date(stored) : stored;
}
