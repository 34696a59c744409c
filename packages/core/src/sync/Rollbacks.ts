import * as Y from 'yjs';
import type { DocumentUpdate, RefusedItem } from '../protocol/messages.js';
import { copyContent } from '../replica/copyContent.js';
import { FROM_RELAY, FROM_ROLLBACK } from '../replica/origins.js';
import type { Replica } from '../replica/Replica.js';

/** A change the relay refused for good, after the record was rolled back to what the relay accepted. */
export interface RejectedChange {
  /** The document, `<collection>/<id>`. */
  readonly name: string;
  /** Why: a DocumentErrorCode (ReadOnly, Forbidden, InvalidContent…). */
  readonly code: number;
  readonly message: string;
  /** The refused change as it was sent, a Yjs update. */
  readonly change: Uint8Array | undefined;
  /** The record as this client had it when refused, a Yjs update of its whole state (to show it). */
  readonly attempted: Uint8Array | undefined;
  /** Writes the refused content again, as a new change (to send once access allows it). */
  retry(): void;
  /** Forgets the refused change: the record stays as the relay accepted it. */
  discard(): void;
}

interface Fetch {
  readonly refusals: Map<string, RefusedItem & { change: Uint8Array | undefined }>;
  readonly updates: Map<string, Uint8Array[]>;
  /** Documents the relay said this client may not read: they roll back to nothing. */
  readonly unreadable: Set<string>;
}

/**
 * Rolls records back after the relay refused their changes for good. Yjs cannot take items out of a
 * document, and a deleted item's content is gone once collected, so the state the relay accepted is asked
 * of the relay itself: each refused record is subscribed by name from an empty state vector, which answers
 * its whole accepted state. The record's content is then made equal to it by one local change
 * (FROM_ROLLBACK) that is settled at once, never sent.
 */
export class Rollbacks {
  readonly #fetches = new Map<number, Fetch>();
  /**
   * The relay's state of each rolled-back record, kept up to date with what the relay sends. The record
   * still holds the refused items (Yjs keeps them, deleted), and a later accepted change of someone else can
   * lose to them in a concurrent-write tie: until the record is sent and committed again, its content is
   * made equal to this copy after every change from the relay.
   */
  readonly #accepted = new Map<string, Y.Doc>();

  constructor(private readonly replica: Replica) {}

  /** Starts rolling back the refused records under subscribe request `id`; returns the documents to ask for. */
  start(id: number, refusals: (RefusedItem & { change: Uint8Array | undefined })[]): string[] {
    const fetch: Fetch = { refusals: new Map(), updates: new Map(), unreadable: new Set() };
    for (const refusal of refusals) fetch.refusals.set(refusal.name, refusal);
    this.#fetches.set(id, fetch);
    return [...fetch.refusals.keys()];
  }

  /** Whether a sync frame answers a rollback (and was taken here). */
  receive(id: number, items: readonly DocumentUpdate[]): boolean {
    const fetch = this.#fetches.get(id);
    if (!fetch) return false;
    for (const { name, update } of items) {
      const updates = fetch.updates.get(name) ?? [];
      updates.push(update);
      fetch.updates.set(name, updates);
    }
    return true;
  }

  /** The relay will not let this client read a document; returns whether it was being fetched here. */
  unreadable(name: string): boolean {
    let fetched = false;
    for (const fetch of this.#fetches.values()) {
      if (!fetch.refusals.has(name)) continue;
      fetch.unreadable.add(name);
      fetched = true;
    }
    return fetched;
  }

  /**
   * The relay answered request `id` in full (`answered`: the documents it sent). `settle` is called for each
   * record before its rollback; records neither answered nor unreadable (the relay could not load them) are
   * returned, to be sent again: the relay refuses them again, and they are rolled back then.
   */
  finish(
    id: number,
    answered: ReadonlySet<string>,
    settle: (refusal: RefusedItem) => void,
    emit: (rejected: RejectedChange) => void,
  ): string[] {
    const fetch = this.#fetches.get(id);
    if (!fetch) return [];
    this.#fetches.delete(id);
    const again: string[] = [];
    for (const refusal of fetch.refusals.values()) {
      const { name } = refusal;
      const doc = this.replica.get(name);
      if (!doc || (!answered.has(name) && !fetch.unreadable.has(name))) {
        if (doc) again.push(name);
        continue;
      }
      const updates = fetch.updates.get(name) ?? [];
      const accepted = new Y.Doc({ guid: name });
      for (const update of updates) Y.applyUpdate(accepted, update);
      const attempted = Y.encodeStateAsUpdate(doc);
      // What the relay holds and the record lacks (changes on their way here) joins it first.
      if (updates.length > 0) this.replica.applyRemote(name, updates, FROM_RELAY);
      settle(refusal);
      copyContent(accepted, doc, FROM_ROLLBACK);
      this.forget(name);
      this.#accepted.set(name, accepted);
      emit({
        ...refusal,
        attempted,
        retry: () => writeAgain(doc, attempted),
        discard: () => {},
      });
    }
    return again;
  }

  /** Changes from the relay to a record still rolled back: the record shows the relay's state. */
  relayed(name: string, updates: readonly Uint8Array[]): void {
    const accepted = this.#accepted.get(name);
    const doc = this.replica.get(name);
    if (!accepted || !doc) return;
    for (const update of updates) Y.applyUpdate(accepted, update);
    copyContent(accepted, doc, FROM_ROLLBACK);
  }

  /** The record changed here again: what it holds is sent whole, and the relay's answer decides. */
  forget(name: string): void {
    this.#accepted.get(name)?.destroy();
    this.#accepted.delete(name);
  }

  /** The connection dropped: unanswered rollbacks start again when the relay refuses the records again. */
  clear(): void {
    this.#fetches.clear();
  }
}

/** Writes a refused record's content (`attempted`, its whole state) again, as a new local change. */
export function writeAgain(doc: Y.Doc, attempted: Uint8Array): void {
  const wanted = new Y.Doc({ guid: doc.guid });
  Y.applyUpdate(wanted, attempted);
  copyContent(wanted, doc, null);
  wanted.destroy();
}
