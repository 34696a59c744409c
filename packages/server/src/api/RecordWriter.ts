import * as Y from 'yjs';
import type { Principal } from '../auth/Auth.js';
import type { DocumentHub } from '../documents/DocumentHub.js';
import type { LogEntry } from '../storage/ServerStorage.js';
import { docFrom, versionOf } from './versions.js';

export interface Written {
  /** The record's version after the write. */
  readonly version: string;
  /** The record as it is after the write. */
  readonly doc: Y.Doc;
  readonly entries: readonly LogEntry[];
}

/**
 * Writes to records on behalf of clients that do not speak CRDT. The edit runs on a copy of the stored
 * record; the Yjs update it produces goes through the hub like any client's change (checked, committed,
 * forwarded), so it merges with concurrent WebSocket edits. Writes to one record are serialized, and all of
 * this node's writes use one Yjs client id, so the record's state vector does not grow with each request.
 */
export class RecordWriter {
  readonly #clientID = Math.floor(Math.random() * 2 ** 31);
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(private readonly hub: DocumentHub) {}

  /** Reads the stored record. */
  async read(name: string): Promise<{ doc: Y.Doc; entries: readonly LogEntry[]; version: string }> {
    const entries = await this.hub.storage.history(name);
    return { doc: docFrom(entries), entries, version: versionOf(entries) };
  }

  /**
   * Runs `edit` on the current record and stores what it changed, as `principal`'s change (its rules apply,
   * and it is recorded as the author). If `edit` throws, nothing is stored.
   */
  write(
    name: string,
    principal: Principal,
    edit: (doc: Y.Doc, entries: readonly LogEntry[]) => void,
  ): Promise<Written> {
    const previous = this.#queues.get(name) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#write(name, principal, edit));
    this.#queues.set(name, next);
    void next
      .finally(() => {
        if (this.#queues.get(name) === next) this.#queues.delete(name);
      })
      .catch(() => {});
    return next;
  }

  async #write(
    name: string,
    principal: Principal,
    edit: (doc: Y.Doc, entries: readonly LogEntry[]) => void,
  ): Promise<Written> {
    const { doc, entries, version } = await this.read(name);
    doc.clientID = this.#clientID;
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    edit(doc, entries);
    if (updates.length === 0) return { version, doc, entries };
    const update = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    const applied = await this.hub.apply(name, update, null, principal);
    return { version: (await applied.committed) ?? version, doc, entries };
  }
}
