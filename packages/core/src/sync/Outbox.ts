import * as Y from 'yjs';
import type { ChangeId, Replica } from '../replica/Replica.js';
import { ChangeMarks, type Coverage, cover, covers } from './ChangeMarks.js';

/**
 * Where a record's local changes are: not yet sent, sent and awaiting commit, committed by the relay, or
 * refused by it for good (`rejected`: the record was rolled back to what the relay accepted).
 */
export type RecordSyncStatus = 'local' | 'sent' | 'saved' | 'rejected';

/** Local-only document holding the device's outbox, shared by its tabs. */
const SYNC_DOC = '~ferry/sync';

/**
 * The device's memory of what the relay lacks, one for all tabs of the app. Every change a tab applies
 * (its own, or another tab's) is marked in the outbox document, stored with the change itself (same
 * tick, same store transaction) and shown to the other tabs (see ChangeMarks). A record is `saved` only
 * when no mark is left: the relay committed every change any tab made to it. Any tab that is online sends
 * the records it holds unsent changes of, whichever tab made them; an acknowledgement removes the marks of
 * exactly the changes that push carried. With each record the outbox keeps the state vector the relay was
 * known to have, so that what is sent after a restart is exactly what the relay may lack.
 */
export class Outbox {
  readonly #doc: Y.Doc;
  /**
   * Records with changes the relay may lack, with the state vector it is known to hold (when it is known to
   * hold anything). Older versions kept only this; a record in it is pending, marked or not.
   */
  readonly #known: Y.Map<Uint8Array>;
  readonly #marks: ChangeMarks;
  /** Records with unsaved changes, as this tab knows them. */
  readonly #pending = new Set<string>();
  /** Changes applied here since the last flush, to be marked in it. */
  readonly #toMark = new Map<string, Coverage>();
  /** Records that became pending since the last flush, with the state the relay was known to have. */
  readonly #knownToStore = new Map<string, Uint8Array>();
  /** Records holding marks of changes the relay is known to have (a late mark of another tab). */
  readonly #stale = new Set<string>();
  /** Every change applied here to each record: what a push of it carries. */
  readonly #applied = new Map<string, Coverage>();
  /** Changes the relay is known to have committed: acknowledged here, or marks other tabs removed. */
  readonly #committed = new Map<string, Coverage>();
  /** What the push of each record awaiting its acknowledgement carried. */
  readonly #inFlight = new Map<string, Coverage>();
  /** Updates applied since each record was last sent. */
  readonly #unsent = new Map<string, Uint8Array[]>();
  /** Records whose next send must be a full diff: earlier sends may not have arrived. */
  readonly #resend = new Set<string>();
  /** What the relay is known to hold, per document; in memory only. */
  readonly #serverState = new Map<string, Uint8Array>();
  readonly #waiters = new Map<
    string,
    { wanted: Coverage; resolve: () => void; reject: (error: Error) => void }[]
  >();
  /** Records whose last changes the relay refused for good, until they change again. */
  readonly #rejected = new Set<string>();
  readonly #onStatus: (name: string) => void;

  constructor(
    private readonly replica: Replica,
    onStatus: (name: string) => void,
  ) {
    this.#doc = replica.open(SYNC_DOC);
    this.#known = this.#doc.getMap('outbox');
    this.#onStatus = onStatus;
    this.#marks = new ChangeMarks(this.#doc.getMap('changes'), replica.id, (name, removed) => {
      // Another tab's acknowledgement tells what the relay holds.
      for (const change of removed) cover(this.#committedOf(name), change);
      this.#refresh(name);
    });
    this.#known.observe((event) => {
      for (const name of event.keysChanged) this.#refresh(name);
    });
    // Records that were waiting when the device's tabs last stopped, or that other tabs are waiting on: this
    // tab holds what was stored with their marks, and sends it whole.
    for (const name of new Set([...this.#known.keys(), ...this.#marks.names()])) {
      this.#pending.add(name);
      this.#resend.add(name);
      for (const change of this.#marks.of(name)) cover(this.#appliedOf(name), change);
    }
    // One write per flush, whatever the number of records changed in it (a bulk import changes thousands).
    replica.beforeFlush(() => this.#store());
  }

  /** Runs `work` as one change of the stored outbox (acknowledging many records at once). */
  transact(work: () => void): void {
    this.#doc.transact(work);
  }

  /** Records with changes the relay has not committed, made in any tab. */
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
    if (!this.#pending.has(name)) return this.#rejected.has(name) ? 'rejected' : 'saved';
    const flying = this.#inFlight.get(name);
    if (!flying) return 'local';
    const carried = (change: ChangeId) => covers(flying, change) || covers(this.#committed.get(name), change);
    for (const change of this.#marks.of(name)) if (!carried(change)) return 'local';
    for (const [by, seq] of this.#toMark.get(name) ?? []) if (!carried({ by, seq })) return 'local';
    return 'sent';
  }

  /**
   * A change applied here, made by this tab or another: it joins the outbox (marked in the same tick as it
   * is stored). The update itself is kept until sent: what leaves is exactly the new changes, not a diff that
   * repeats the document's whole delete set (which every other client would have to walk through again).
   */
  changed(name: string, updates: readonly Uint8Array[], made: ChangeId): void {
    this.#rejected.delete(name);
    cover(this.#appliedOf(name), made);
    let toMark = this.#toMark.get(name);
    if (!toMark) {
      toMark = new Map();
      this.#toMark.set(name, toMark);
    }
    cover(toMark, made);
    const unsent = this.#unsent.get(name);
    if (unsent) unsent.push(...updates);
    else this.#unsent.set(name, [...updates]);
    // Only worth storing when the relay is known to hold something: a diff from nothing is the default.
    const state = this.#serverState.get(name);
    if (state && !this.#known.has(name) && !this.#knownToStore.has(name)) this.#knownToStore.set(name, state);
    this.#refresh(name);
  }

  /**
   * What to send for a document: the changes applied since the last send; or, when earlier sends may have
   * been lost (a reconnect, a restart), everything the relay may lack, as a diff from what it is known to
   * hold. `carries` names every change applied here so far, which the payload brings the relay up to.
   */
  payload(name: string, doc: Y.Doc): { update: Uint8Array; carries: Coverage; stateVector: Uint8Array } {
    const unsent = this.#unsent.get(name) ?? [];
    this.#unsent.delete(name);
    let update: Uint8Array;
    if (this.#resend.delete(name) || unsent.length === 0) {
      const known =
        this.#serverState.get(name) ??
        this.#known.get(name) ??
        this.#knownToStore.get(name) ??
        EMPTY_STATE_VECTOR;
      update = Y.encodeStateAsUpdate(doc, known);
    } else {
      update = unsent.length === 1 ? unsent[0]! : Y.mergeUpdates(unsent);
    }
    const carries = new Map(this.#applied.get(name));
    return { update, carries, stateVector: Y.encodeStateVector(doc) };
  }

  sent(name: string, carries: Coverage): void {
    this.#inFlight.set(name, carries);
    this.#refresh(name);
  }

  /**
   * The relay committed a push of the document that carried `carries` and brought it to `stateVector`: the
   * marks of those changes go, whichever tab wrote them; marks of changes it did not carry stay.
   */
  saved(name: string, carries: Coverage, stateVector: Uint8Array): void {
    this.#serverState.set(name, stateVector);
    this.#rejected.delete(name);
    const committed = this.#committedOf(name);
    for (const [by, seq] of carries) cover(committed, { by, seq });
    if (this.#inFlight.get(name) === carries) this.#inFlight.delete(name);
    this.#dropCommitted(name);
    this.#refresh(name);
  }

  /**
   * The relay did not store a push of the document that carried `carries`: it builds on changes the relay
   * lacks. The relay holds `stateVector`; the next send is the diff from it, which carries them.
   */
  incomplete(name: string, carries: Coverage | undefined, stateVector: Uint8Array): void {
    this.#serverState.set(name, stateVector);
    this.#resend.add(name);
    if (carries && this.#inFlight.get(name) === carries) this.#inFlight.delete(name);
    this.#refresh(name);
  }

  /** The connection dropped: whatever was in flight must be sent again. */
  unsent(): void {
    // What was sent may not have arrived: the next send of every waiting record is a full diff.
    for (const name of this.#pending) this.#resend.add(name);
    const flying = [...this.#inFlight.keys()];
    this.#inFlight.clear();
    for (const name of flying) this.#refresh(name);
  }

  /** The relay refused a change for now (it could not load or store it): send it whole next time. */
  retry(name: string): void {
    this.#resend.add(name);
  }

  /**
   * The relay refused the record's changes for good. Every change applied to it so far, in any tab, is
   * settled without being committed: its marks go, so the record leaves the outbox and nothing is sent again.
   * The relay lacks those changes (and the rollback that follows): the next send of the record is a full
   * diff from what the relay holds, in which they cancel out. Whoever waits for them to be saved gets `error`.
   */
  rejected(name: string, error: Error): void {
    for (const waiter of this.#waiters.get(name) ?? []) waiter.reject(error);
    this.#waiters.delete(name);
    const settled = this.#committedOf(name);
    for (const [by, seq] of this.#applied.get(name) ?? []) cover(settled, { by, seq });
    for (const change of this.#marks.of(name)) cover(settled, change);
    this.#settle(name);
  }

  /**
   * Another tab heard the relay refuse the record's changes for good, and settles their marks: this tab
   * shows the record `rejected`, and whoever waits here for them to be saved gets `error`.
   */
  rejectedElsewhere(name: string, error: Error): void {
    for (const waiter of this.#waiters.get(name) ?? []) waiter.reject(error);
    this.#waiters.delete(name);
    this.#rejected.add(name);
    this.#refresh(name);
  }

  /** A change made here that the relay must never be sent on its own (a rollback): settled at once. */
  settled(name: string, made: ChangeId): void {
    cover(this.#appliedOf(name), made);
    cover(this.#committedOf(name), made);
    this.#settle(name);
  }

  #settle(name: string): void {
    this.#rejected.add(name);
    this.#unsent.delete(name);
    this.#inFlight.delete(name);
    this.#resend.add(name);
    this.#dropCommitted(name);
    this.#refresh(name);
  }

  /** The document now holds only what the relay sent, or what it has acknowledged. */
  inSyncWithServer(name: string, doc: Y.Doc): void {
    // A rejected record holds changes the relay lacks: its state vector is not the relay's.
    if (!this.#pending.has(name) && !this.#rejected.has(name))
      this.#serverState.set(name, Y.encodeStateVector(doc));
  }

  /** Resolves when every change to the document applied here so far is committed by the relay. */
  whenSaved(name: string): Promise<void> {
    if (!this.#pending.has(name)) return Promise.resolve();
    const wanted = new Map(this.#applied.get(name));
    for (const change of this.#marks.of(name)) cover(wanted, change);
    return new Promise((resolve, reject) => {
      const waiters = this.#waiters.get(name) ?? [];
      waiters.push({ wanted, resolve, reject });
      this.#waiters.set(name, waiters);
    });
  }

  /** Writes the marks and known states of the changes applied since the last flush, in its transaction. */
  #store(): void {
    if (this.#toMark.size === 0 && this.#knownToStore.size === 0 && this.#stale.size === 0) return;
    const toMark = [...this.#toMark];
    const known = [...this.#knownToStore];
    const stale = [...this.#stale];
    this.#toMark.clear();
    this.#knownToStore.clear();
    this.#stale.clear();
    this.#doc.transact(() => {
      for (const [name, changes] of toMark) {
        const committed = this.#committed.get(name);
        for (const [by, seq] of changes)
          if (!covers(committed, { by, seq })) this.#marks.mark(name, { by, seq });
      }
      for (const [name, state] of known) {
        if (this.#marks.has(name) && !this.#known.has(name)) this.#known.set(name, state);
      }
      for (const name of stale) this.#dropCommitted(name);
    });
    // A change another tab's acknowledgement covered before this flush was not marked at all: nothing in
    // the outbox document changed for it, so no observer tells this tab the record left the outbox.
    for (const [name] of toMark) this.#refresh(name);
  }

  /** Removes the marks of changes the relay holds; with none left, the record leaves the outbox. */
  #dropCommitted(name: string): void {
    const committed = this.#committed.get(name);
    const toMark = this.#toMark.get(name);
    if (toMark) {
      for (const [by, seq] of [...toMark]) if (covers(committed, { by, seq })) toMark.delete(by);
      if (toMark.size === 0) this.#toMark.delete(name);
    }
    this.#doc.transact(() => {
      const left = this.#marks.removeCovered(name, committed) || this.#toMark.has(name);
      if (!left) {
        if (this.#known.has(name)) this.#known.delete(name);
        this.#knownToStore.delete(name);
      } else if (this.#known.has(name)) {
        const state = this.#serverState.get(name);
        if (state) this.#known.set(name, state);
      }
    });
  }

  /** Brings this tab's view of a record up to date with the outbox, and tells whoever shows it. */
  #refresh(name: string): void {
    const pending = this.#toMark.has(name) || this.#marks.has(name) || this.#known.has(name);
    if (pending) this.#pending.add(name);
    else {
      this.#pending.delete(name);
      // Sent by another tab (the leader) and committed: nothing of it is left to send from here.
      this.#unsent.delete(name);
      this.#inFlight.delete(name);
    }
    const committed = this.#committed.get(name);
    if (committed && [...this.#marks.of(name)].some((change) => covers(committed, change))) {
      // Another tab marked changes after this one learnt the relay has them: clear them with the next flush.
      this.#stale.add(name);
      this.replica.requestFlush();
    }
    const waiters = this.#waiters.get(name);
    if (waiters) {
      const waiting = pending ? waiters.filter((w) => !this.#isCommitted(name, w.wanted)) : [];
      for (const waiter of waiters) if (!waiting.includes(waiter)) waiter.resolve();
      if (waiting.length > 0) this.#waiters.set(name, waiting);
      else this.#waiters.delete(name);
    }
    this.#onStatus(name);
  }

  #isCommitted(name: string, wanted: Coverage): boolean {
    if (wanted.size === 0) return false;
    const committed = this.#committed.get(name);
    for (const [by, seq] of wanted) if (!covers(committed, { by, seq })) return false;
    return true;
  }

  #appliedOf(name: string): Coverage {
    return getOrCreate(this.#applied, name);
  }

  #committedOf(name: string): Coverage {
    return getOrCreate(this.#committed, name);
  }
}

function getOrCreate(map: Map<string, Coverage>, name: string): Coverage {
  let coverage = map.get(name);
  if (!coverage) {
    coverage = new Map();
    map.set(name, coverage);
  }
  return coverage;
}

const EMPTY_STATE_VECTOR = new Uint8Array([0]);
