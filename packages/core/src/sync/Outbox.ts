import * as Y from 'yjs';
import type { Replica } from '../replica/Replica.js';

/** Where a record's local changes are: not yet sent, sent and awaiting commit, or committed by the relay. */
export type RecordSyncStatus = 'local' | 'sent' | 'saved';

/** Local-only document holding what must survive a restart: the outbox and the collection cursors. */
const SYNC_DOC = '~ferry/sync';

interface Versions {
  /** Counts local changes; `sent` and `saved` say how far the relay has them. */
  local: number;
  sent: number;
  saved: number;
  waiters: { version: number; resolve: () => void }[];
}

/**
 * The sync client's memory of what the relay has. A record with local changes the relay has not committed
 * is in the outbox, which is stored with the change itself (same tick, same store transaction), so a restart
 * knows to send it. With each entry the outbox keeps the state vector the relay was known to have, so
 * what is sent is exactly what the relay may lack, including changes another tab made.
 */
export class Outbox {
  readonly #doc: Y.Doc;
  readonly #outbox: Y.Map<Uint8Array>;
  /** Records with unsaved changes, mirrored in memory (the Y.Map is written once per flush). */
  readonly #pending = new Set<string>();
  /** Records that became pending since the last flush, with the state the relay was known to have. */
  readonly #toStore = new Map<string, Uint8Array>();
  /** Local updates made since each record was last sent. */
  readonly #unsent = new Map<string, Uint8Array[]>();
  /** Records whose next send must be a full diff: earlier sends may not have arrived. */
  readonly #resend = new Set<string>();
  readonly #cursors: Y.Map<string>;
  /** Cursors received since the last flush: a busy collection sends one per commit, stored once per flush. */
  readonly #cursorsToStore = new Map<string, string>();
  readonly #versions = new Map<string, Versions>();
  /** What the relay is known to hold, per document; in memory only. */
  readonly #serverState = new Map<string, Uint8Array>();
  readonly #onStatus: (name: string) => void;
  readonly #replica: Replica;

  constructor(replica: Replica, onStatus: (name: string) => void) {
    this.#doc = replica.open(SYNC_DOC);
    this.#outbox = this.#doc.getMap('outbox');
    this.#cursors = this.#doc.getMap('cursors');
    this.#onStatus = onStatus;
    // Records that were waiting when the client last stopped: changed, not sent.
    for (const name of this.#outbox.keys()) {
      this.#pending.add(name);
      this.#resend.add(name);
      this.#versions.set(name, { local: 1, sent: 0, saved: 0, waiters: [] });
    }
    // One write per flush, whatever the number of records changed in it (a bulk import changes thousands).
    // Cursors join the same write: it follows every update received before them, so a stored cursor never
    // covers an update the store lacks.
    replica.beforeFlush(() => {
      if (this.#toStore.size === 0 && this.#cursorsToStore.size === 0) return;
      const entries = [...this.#toStore];
      const cursors = [...this.#cursorsToStore];
      this.#toStore.clear();
      this.#cursorsToStore.clear();
      this.#doc.transact(() => {
        for (const [name, known] of entries) {
          if (this.#pending.has(name) && !this.#outbox.has(name)) this.#outbox.set(name, known);
        }
        for (const [key, cursor] of cursors) this.#cursors.set(key, cursor);
      });
    });
    this.#replica = replica;
  }

  /** Runs `work` as one change of the stored outbox (acknowledging many records at once). */
  transact(work: () => void): void {
    this.#doc.transact(work);
  }

  /** Records with changes the relay has not committed. */
  get size(): number {
    return this.#pending.size;
  }

  pending(): string[] {
    return [...this.#pending];
  }

  has(name: string): boolean {
    return this.#pending.has(name);
  }

  status(name: string): RecordSyncStatus {
    const v = this.#versions.get(name);
    if (!v || v.saved >= v.local) return 'saved';
    return v.sent >= v.local ? 'sent' : 'local';
  }

  /**
   * A local change to the document: it joins the outbox (stored in the same tick as the change). The update
   * itself is kept until sent: what leaves is exactly the new changes, not a diff that repeats the
   * document's whole delete set (which every other client would have to walk through again).
   */
  changed(name: string, update: Uint8Array): void {
    const v = this.#versionsOf(name);
    v.local++;
    const unsent = this.#unsent.get(name);
    if (unsent) unsent.push(update);
    else this.#unsent.set(name, [update]);
    if (!this.#pending.has(name)) {
      this.#pending.add(name);
      this.#toStore.set(name, this.#serverState.get(name) ?? EMPTY_STATE_VECTOR);
    }
    this.#onStatus(name);
  }

  /**
   * What to send for a document: the changes made since the last send; or, when earlier sends may have been
   * lost (a reconnect, a restart), everything the relay may lack, as a diff from what it is known to hold.
   */
  payload(name: string, doc: Y.Doc): { update: Uint8Array; version: number; stateVector: Uint8Array } {
    const unsent = this.#unsent.get(name) ?? [];
    this.#unsent.delete(name);
    let update: Uint8Array;
    if (this.#resend.delete(name) || unsent.length === 0) {
      const known =
        this.#serverState.get(name) ??
        this.#outbox.get(name) ??
        this.#toStore.get(name) ??
        EMPTY_STATE_VECTOR;
      update = Y.encodeStateAsUpdate(doc, known);
    } else {
      update = unsent.length === 1 ? unsent[0]! : Y.mergeUpdates(unsent);
    }
    return { update, version: this.#versionsOf(name).local, stateVector: Y.encodeStateVector(doc) };
  }

  sent(name: string, version: number): void {
    const v = this.#versionsOf(name);
    v.sent = Math.max(v.sent, version);
    this.#onStatus(name);
  }

  /** The relay committed what was sent at `version`, which covered `stateVector`. */
  saved(name: string, version: number, stateVector: Uint8Array): void {
    const v = this.#versionsOf(name);
    v.saved = Math.max(v.saved, version);
    this.#serverState.set(name, stateVector);
    if (v.saved >= v.local) {
      this.#pending.delete(name);
      this.#toStore.delete(name);
      if (this.#outbox.has(name)) this.#outbox.delete(name);
    } else if (this.#outbox.has(name)) {
      this.#outbox.set(name, stateVector);
    }
    for (const waiter of v.waiters.filter((w) => w.version <= v.saved)) waiter.resolve();
    v.waiters = v.waiters.filter((w) => w.version > v.saved);
    this.#onStatus(name);
  }

  /** The connection dropped: whatever was in flight must be sent again. */
  unsent(): void {
    for (const [name, v] of this.#versions) {
      // What was sent may not have arrived: the next send of every waiting record is a full diff.
      if (v.saved < v.local) this.#resend.add(name);
      if (v.sent > v.saved) {
        v.sent = v.saved;
        this.#onStatus(name);
      }
    }
  }

  /** The relay refused a change for now (it could not load or store it): send it whole next time. */
  retry(name: string): void {
    this.#resend.add(name);
  }

  /** The document now holds only what the relay sent, or what it has acknowledged. */
  inSyncWithServer(name: string, doc: Y.Doc): void {
    if (!this.#pending.has(name)) this.#serverState.set(name, Y.encodeStateVector(doc));
  }

  /** Resolves when every change made to the document so far is committed by the relay. */
  whenSaved(name: string): Promise<void> {
    const v = this.#versions.get(name);
    if (!v || v.saved >= v.local) return Promise.resolve();
    return new Promise((resolve) => v.waiters.push({ version: v.local, resolve }));
  }

  cursor(key: string): string {
    return this.#cursorsToStore.get(key) ?? this.#cursors.get(key) ?? '';
  }

  setCursor(key: string, cursor: string): void {
    if (this.cursor(key) === cursor) return;
    this.#cursorsToStore.set(key, cursor);
    this.#replica.requestFlush();
  }

  #versionsOf(name: string): Versions {
    let v = this.#versions.get(name);
    if (!v) {
      v = { local: 0, sent: 0, saved: 0, waiters: [] };
      this.#versions.set(name, v);
    }
    return v;
  }
}

const EMPTY_STATE_VECTOR = new Uint8Array([0]);
