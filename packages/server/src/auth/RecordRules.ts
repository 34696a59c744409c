import type { FieldEquals } from '@ferry/core';
import type { RecordView } from '../documents/RecordView.js';
import type { Principal } from './Auth.js';
import { isReadByField, type ReadByField, readByFieldRule, readerKeyOf, readersOf } from './ReadByField.js';

type ReadFunction = (principal: Principal, fields: RecordView['fields'], record: RecordView) => boolean;

/**
 * A collection's record-level rules, as functions of the principal (with its token claims) and the record's
 * fields. They run on the relay for every path that hands out or changes a record, so they must be
 * synchronous and cheap: everything they may look at is in their arguments. An answer other than `true`,
 * or a rule that throws, denies.
 */
export interface CollectionRules {
  /**
   * Whether `principal` may read the record: receive its content, its id, its presence and its history.
   * A function, or `{ field, claim }`: readable by the principals whose claim is named in the field, which
   * the relay indexes, so that a sync reads only the principal's records (see ReadByField).
   */
  read?: ReadFunction | ReadByField;
  /**
   * Whether `principal` may change the record. Asked of the record as it is before a change (unless it
   * does not exist yet) and as it would be after: nobody writes themselves into a record or takes one over.
   */
  write?(principal: Principal, fields: RecordView['fields'], record: RecordView): boolean;
}

/** A change to a record whose collection has a read rule, as each reader needs it to decide what to send. */
export interface RecordChange {
  readonly before: RecordView;
  readonly after: RecordView;
  /** The whole record as it is now, for a reader the change makes it readable to. */
  wholeState(): Uint8Array;
}

export type Delivery = 'update' | 'whole' | 'hide' | 'none';

/** Rules by collection name, as given to `createRelay({ rules })` or exported by `ferry serve --rules`. */
export type Rules = Readonly<Record<string, CollectionRules>>;

/**
 * The relay's record-level rules. They refine `authorize`, which is asked first: a principal `authorize`
 * denies is denied whatever a rule says, and a collection without rules is governed by `authorize` alone.
 */
export class RecordRules {
  readonly #rules: ReadonlyMap<string, CollectionRules>;
  /** Read rules as functions, by collection, those given as `{ field }` included. */
  readonly #reads = new Map<string, ReadFunction>();
  /** Read rules given as `{ field }`, which the relay indexes. */
  readonly #indexed = new Map<string, ReadByField>();

  /**
   * The read rule's answers by view and principal. A view is made once per state of a record, and the view
   * before a change is the view after the one before it: each reader is asked once per change, not twice.
   */
  readonly #readAnswers = new WeakMap<RecordView, WeakMap<Principal, boolean>>();
  /** Under an indexed rule, the keys each state of a record is readable by. */
  readonly #readerSets = new WeakMap<RecordView, ReadonlySet<string>>();

  constructor(rules: Rules = {}) {
    this.#rules = new Map(Object.entries(rules).filter(([, rule]) => rule !== undefined && rule !== null));
    for (const [collection, { read, write }] of this.#rules) {
      // A write rule that is not a function would allow every change: refused, like a bad read rule.
      if (write !== undefined && typeof write !== 'function')
        throw new TypeError(`The write rule of "${collection}" must be a function.`);
      if (read === undefined) continue;
      if (typeof read === 'function') this.#reads.set(collection, read);
      else if (isReadByField(read)) {
        this.#indexed.set(collection, read);
        this.#reads.set(collection, readByFieldRule(read));
      } else
        throw new TypeError(
          `The read rule of "${collection}" must be a function or { field, claim? } (field: a field name or a list of them, claim: a claim name).`,
        );
    }
  }

  /** Whether reading a record of `collection` depends on its content. */
  readsByContent(collection: string): boolean {
    return this.#reads.has(collection);
  }

  /** The collection's read rule when the relay indexes it (given as `{ field }`). */
  indexed(collection: string): ReadByField | undefined {
    return this.#indexed.get(collection);
  }

  /** Collections whose read rule the relay indexes. */
  get indexedCollections(): ReadonlyMap<string, ReadByField> {
    return this.#indexed;
  }

  /**
   * The keys the record is readable by, as the index keeps them, when its collection's rule is indexed: none
   * for a record nobody has written, which is unreadable.
   */
  readersOf(record: RecordView): string[] | undefined {
    const rule = this.#indexed.get(record.collection);
    if (!rule) return undefined;
    return record.exists ? readersOf(rule, record.fields) : [];
  }

  /** The key `principal` reads the collection's records by in the index (undefined: it reads none). */
  readerKey(collection: string, principal: Principal): string | undefined {
    const rule = this.#indexed.get(collection);
    return rule ? readerKeyOf(rule, principal) : undefined;
  }

  /** Whether changing a record of `collection` depends on its content. */
  writesByContent(collection: string): boolean {
    return typeof this.#rules.get(collection)?.write === 'function';
  }

  /**
   * Whether `principal` may read the record as it is in `record`. Under a read rule, a record nobody has
   * written yet is unreadable: it holds nothing to show, and answering it like a hidden one tells nobody
   * which names exist.
   */
  canRead(principal: Principal, record: RecordView): boolean {
    const read = this.#reads.get(record.collection);
    if (!read) return true;
    if (!record.exists) return false;
    const indexed = this.#indexed.get(record.collection);
    if (indexed) return this.#readableByKey(indexed, principal, record);
    let answers = this.#readAnswers.get(record);
    const known = answers?.get(principal);
    if (known !== undefined) return known;
    const answer = asked(() => read(principal, record.fields, record));
    if (!answers) {
      answers = new WeakMap();
      this.#readAnswers.set(record, answers);
    }
    answers.set(principal, answer);
    return answer;
  }

  /**
   * An indexed rule's answer: whether the principal's key is among the record's readers, gathered once per
   * state of the record, so that each reader of a change costs one lookup.
   */
  #readableByKey(rule: ReadByField, principal: Principal, record: RecordView): boolean {
    const key = readerKeyOf(rule, principal);
    if (key === undefined) return false;
    let readers = this.#readerSets.get(record);
    if (!readers) {
      readers = new Set(readersOf(rule, record.fields));
      this.#readerSets.set(record, readers);
    }
    return readers.has(key);
  }

  /**
   * Whether `principal` receives the record: it may read it, and it matches the `where` the principal's
   * subscription narrows to, if any.
   */
  receives(principal: Principal, record: RecordView, where?: FieldEquals): boolean {
    return this.canRead(principal, record) && (where === undefined || matches(record, where));
  }

  /**
   * What a reader receives of a change to a record decided by content: the update while it receives the
   * record before and after; the whole record when the change gives it the record (it has nothing of it);
   * `hide` when the change takes it away; nothing when it receives neither.
   */
  delivery(principal: Principal, change: RecordChange | undefined, where?: FieldEquals): Delivery {
    if (!change) return 'update';
    const was = this.receives(principal, change.before, where);
    const is = this.receives(principal, change.after, where);
    if (was) return is ? 'update' : 'hide';
    return is ? 'whole' : 'none';
  }

  /** Asked with the record before a change (when it exists) and with the record after it. */
  canWrite(principal: Principal, record: RecordView): boolean {
    const write = this.#rules.get(record.collection)?.write;
    return typeof write === 'function' ? asked(() => write(principal, record.fields, record)) : true;
  }
}

/** Whether the record exists and each field named in `where` holds exactly its value. */
function matches(record: RecordView, where: FieldEquals): boolean {
  if (!record.exists) return false;
  for (const [field, value] of Object.entries(where)) if (record.fields[field] !== value) return false;
  return true;
}

/** Only `true` allows: a rule that throws or answers anything else (a truthy string, a promise) denies. */
function asked(rule: () => unknown): boolean {
  try {
    return rule() === true;
  } catch {
    return false;
  }
}
