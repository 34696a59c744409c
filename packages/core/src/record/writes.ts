/**
 * What creating, changing and deleting a record does to its document, as plain functions over a Y.Doc. The
 * client's collections and the relay's REST API both use them, so a record written either way is the same.
 * Values must be validated first (validateFields).
 */
import type * as Y from 'yjs';
import { type FieldIssue, readField, readShape } from '../schema/codec.js';
import { recordHost } from '../schema/FieldHost.js';
import type { AnyField, Shape } from '../schema/fields.js';
import { isStamped, readLatestField, stampDeletion, stampEdit, writeStampedField } from './fieldClocks.js';
import { fieldsOf, hasContent, stampCreated, stampDeleted, stampUpdated } from './layout.js';

/** Who writes, and when (ms since epoch): recorded in the record's metadata. */
export interface Author {
  readonly actor: string;
  readonly now: number;
}

/** Writes a new record's fields (defaults for those left out) and its metadata, in one transaction. */
export function writeCreate(
  doc: Y.Doc,
  shape: Shape,
  values: Record<string, unknown>,
  author: Author,
  origin: unknown,
): void {
  doc.transact(() => {
    const host = recordHost(doc);
    for (const [key, field] of Object.entries(shape)) {
      const given = values[key];
      writeStampedField(doc, host, key, field, given === undefined ? field.defaultValue() : given, author);
    }
    stampCreated(doc, author.now, author.actor);
  }, origin);
}

/** Writes some fields. Returns whether anything changed; a patch that changes nothing leaves no trace. */
export function writePatch(
  doc: Y.Doc,
  shape: Shape,
  patch: Record<string, unknown>,
  author: Author,
  origin: unknown,
): boolean {
  let changed = false;
  doc.transact((transaction) => {
    const host = recordHost(doc);
    for (const [key, value] of Object.entries(patch))
      writeStampedField(doc, host, key, shape[key]!, value, author);
    changed = transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0;
    if (!changed) return;
    stampUpdated(doc, author.now, author.actor);
    // Text, lists and objects have no stamp of their own: the author's edit stamp covers them.
    if (Object.keys(patch).some((key) => !isStamped(shape[key]!))) stampEdit(doc, author);
  }, origin);
  return changed;
}

/**
 * Runs `change` straight on the record's Yjs types (typing into a bound editor) and stamps who and when in
 * the same transaction: one keystroke is one update, not the change and then its stamp.
 */
export function writeEdit(doc: Y.Doc, change: () => void, author: Author, origin: unknown): void {
  doc.transact((transaction) => {
    change();
    const changed = transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0;
    if (!changed || !hasContent(doc)) return;
    stampUpdated(doc, author.now, author.actor);
    // Text typed into an editor has no stamp of its own; a delete conflict needs to know of it.
    stampEdit(doc, author);
  }, origin);
}

/** Sets or clears the tombstone. */
export function writeDeleted(doc: Y.Doc, deleted: boolean, author: Author, origin: unknown): void {
  doc.transact(() => {
    if (deleted) stampDeletion(doc, author);
    stampDeleted(doc, deleted, author.now, author.actor);
  }, origin);
}

/** Reads every field as a plain value; data that does not fit the schema is listed in `issues`. */
export function readRecord(
  doc: Y.Doc,
  shape: Shape,
): { value: Record<string, unknown>; issues: FieldIssue[] } {
  const read: FieldIssue[] = [];
  const host = recordHost(doc);
  const value = readShape(host, shape, '', read);
  const latest = Object.entries(shape).filter(([, field]) => field.policy === 'latest');
  // The plain copies read above may be the ones Yjs kept rather than the latest: the registers decide.
  const issues = read.filter((issue) => !latest.some(([key]) => key === issue.field));
  for (const [key, field] of latest) {
    const winner = readLatestField(doc, host, key, field, issues);
    if (winner === undefined) delete value[key];
    else value[key] = winner;
  }
  return { value, issues };
}

/** Reads one top-level field as a plain value, by its merge policy. */
export function readRecordField(doc: Y.Doc, key: string, field: AnyField, issues: FieldIssue[]): unknown {
  const host = recordHost(doc);
  return field.policy === 'latest'
    ? readLatestField(doc, host, key, field, issues)
    : readField(host, key, field, key, issues);
}

export { fieldsOf };
