import { DocumentErrorCode } from '@ferry/core';
import * as Y from 'yjs';
import { DocumentError } from './errors.js';

/**
 * Yjs keeps aside ("pending") the part of an update that builds on changes the document does not hold, and
 * applies it once they arrive. The relay stores no client update that leaves anything so: stored and
 * acknowledged, it would be a write nobody can read until someone else sends what it waits for, perhaps
 * never (a change the relay forwarded and then lost in a crash; structs planted under another client's id).
 * Such a push is answered "incomplete" with the relay's state vector instead, and its sender sends the diff
 * from it, which carries what was missing (docs/sync.md, "Incomplete pushes"; docs/relay.md).
 */
export class IncompleteUpdateError extends DocumentError {
  constructor(
    /** The relay's state vector of the document, which the sender's answer is a diff from. */
    readonly stateVector: Uint8Array,
  ) {
    super(
      DocumentErrorCode.Incomplete,
      'The change builds on changes the relay does not hold; nothing of it was stored. Send it again with them.',
    );
    this.name = 'IncompleteUpdateError';
  }
}

/** Content a document keeps aside: the structs and the deletions waiting for a change it lacks. */
export interface Waiting {
  readonly structs: Y.Doc['store']['pendingStructs'];
  readonly deletes: Uint8Array | null;
}

/** Whether the document keeps any content aside. */
export function isWaiting(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

/**
 * Takes aside what the document already keeps waiting (updates from other nodes may arrive out of order), so
 * that what an update leaves waiting can be told apart from it.
 */
export function takeWaiting(doc: Y.Doc): Waiting {
  const waiting = { structs: doc.store.pendingStructs, deletes: doc.store.pendingDs };
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  return waiting;
}

/** Puts back what takeWaiting took, as Yjs would have kept it: applied now if the update brought its needs. */
export function putBackWaiting(doc: Y.Doc, waiting: Waiting): void {
  if (waiting.structs) Y.applyUpdateV2(doc, waiting.structs.update);
  if (waiting.deletes) Y.applyUpdateV2(doc, waiting.deletes);
}

/**
 * Undoes an update that left content waiting, inside its transaction, if nothing of it was applied: the
 * document is as it was. Returns false if part of it was applied, and the document must be rebuilt.
 */
export function undoWaiting(doc: Y.Doc, transaction: Y.Transaction, waiting: Waiting): boolean {
  if (transaction.deleteSet.clients.size > 0) return false;
  const before = transaction.beforeState;
  const after = doc.store.clients;
  if (after.size !== before.size) return false;
  for (const [client, clock] of before) if (Y.getState(doc.store, client) !== clock) return false;
  doc.store.pendingStructs = waiting.structs;
  doc.store.pendingDs = waiting.deletes;
  return true;
}
