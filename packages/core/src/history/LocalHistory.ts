import * as Y from 'yjs';
import { fieldsOfUpdate } from '../record/fieldsOfUpdate.js';
import type { Replica } from '../replica/Replica.js';
import type { HistoryEntry } from '../sync/RelayHistory.js';

/** The local-only document holding this device's own changes; never sent (its name starts with `~`). */
const HISTORY_DOC = '~ferry/history';
/** Changes kept per record: the oldest go first. */
export const LOCAL_HISTORY_LIMIT = 200;

interface StoredChange {
  readonly at: number;
  readonly actor: string;
  readonly fields: readonly string[];
}

/**
 * This device's own changes to each record (time, author, fields touched), kept in the local store so that
 * `record.history()` can answer while the relay cannot be reached. Changes merged from elsewhere are the
 * relay's to tell; so are changes older than the last LOCAL_HISTORY_LIMIT of a record. Shared by the tabs
 * of the device like any document: each tab records the changes it makes.
 */
export class LocalHistory {
  #doc: Y.Doc | undefined;

  constructor(private readonly replica: Replica) {}

  /** Records a change made here, given the update its transaction made. Metadata-only changes are left out. */
  record(name: string, doc: Y.Doc, updates: readonly Uint8Array[], actor: string, at: number): void {
    const fields = [...new Set(updates.flatMap((update) => fieldsOfUpdate(doc, update)))].sort();
    if (fields.length === 0) return;
    const history = this.#open();
    history.transact(() => {
      const records = history.getMap<Y.Array<StoredChange>>('records');
      let changes = records.get(name);
      if (!changes) {
        changes = new Y.Array<StoredChange>();
        records.set(name, changes);
      }
      changes.push([{ at, actor, fields }]);
      if (changes.length > LOCAL_HISTORY_LIMIT) changes.delete(0, changes.length - LOCAL_HISTORY_LIMIT);
    });
  }

  /** The changes kept for a record, oldest first, marked `local`. */
  entries(name: string): HistoryEntry[] {
    const changes = this.#open().getMap<Y.Array<StoredChange>>('records').get(name);
    return (changes?.toArray() ?? []).map((change) => ({
      cursor: '',
      at: new Date(change.at),
      actor: change.actor,
      fields: [...change.fields],
      local: true,
    }));
  }

  #open(): Y.Doc {
    this.#doc ??= this.replica.open(HISTORY_DOC);
    return this.#doc;
  }
}
