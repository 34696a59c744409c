/**
 * Who wrote each plain field of a record, and when: the root map `meta.clocks` (no field can be named so,
 * `meta` being reserved). The field values themselves stay where every reader looks for them, the `fields`
 * map; the clocks add what merging by time and telling conflicts apart need.
 *
 * - A field that merges the Yjs way has one stamp, `clocks[field]`, written in the same transaction as the
 *   value, so Yjs keeps the stamp of the value it keeps. It is stored as one string (see stampCodec.ts);
 *   records written by older versions hold `{ at, by, seen }` objects, which read the same. `seen` is the stamp of the value
 *   the write replaced: a write whose `seen` is older than the value it overwrote never saw that value.
 * - A field that merges by `latest` keeps a register: one key per write, `field/at/by`, holding the value.
 *   A write removes the keys it saw; concurrent writes leave several, and the highest stamp wins on every
 *   replica (and in the relay's REST API, which reads records through the same code).
 * - A change of text, a list or an object (which have no stamp of their own) stamps
 *   `clocks["edited:" + author]`. A delete stamps `clocks.deleted` with the last stamp of each author it
 *   saw: a later stamp of an author is an edit the delete did not see.
 */
import type * as Y from 'yjs';
import { checked, type FieldIssue, writeField } from '../schema/codec.js';
import type { FieldHost } from '../schema/FieldHost.js';
import type { AnyField } from '../schema/fields.js';
import { type HlcStamp, isHlcStamp, laterHlc, nextHlc } from './Hlc.js';
import { encodeFieldStamp, type FieldStamp, readFieldStamp } from './stampCodec.js';

export { encodeFieldStamp, type FieldStamp, readFieldStamp };

export const CLOCKS_MAP = 'meta.clocks';
/** The key of the delete's stamp; `deleted` is a reserved name, never a field. */
export const DELETED_KEY = 'deleted';
/** The prefix of the keys holding each author's last change; `:` never appears in a field name. */
export const EDITED_PREFIX = 'edited:';
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** One write kept in a `latest` field's register. `stored` is the value as stored (a date as ms). */
export interface RegisterEntry {
  readonly key: string;
  readonly at: HlcStamp;
  readonly by: string;
  readonly stored: unknown;
}

export const clocksOf = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(CLOCKS_MAP);

/** Whether a field's writes are stamped: plain fields are; text, lists and objects merge item by item. */
export const isStamped = (field: AnyField): boolean =>
  field.kind !== 'text' && field.kind !== 'list' && field.kind !== 'object';

/** Whether a stored value is a write stamp, in either form. */
export const isFieldStamp = (value: unknown): boolean => readFieldStamp(value) !== undefined;

/** The field, stamp and author of a register key `field/at/by`, or undefined if it is not one. */
export function parseRegisterKey(key: string): { field: string; at: HlcStamp; by: string } | undefined {
  const first = key.indexOf('/');
  const second = key.indexOf('/', first + 1);
  if (first <= 0 || second < 0) return undefined;
  const at = key.slice(first + 1, second);
  return isHlcStamp(at) && FIELD_NAME.test(key.slice(0, first))
    ? { field: key.slice(0, first), at, by: key.slice(second + 1) }
    : undefined;
}

/** The writes a `latest` field's register holds, the winner last (highest stamp, then author). */
export function registerEntries(clocks: Y.Map<unknown>, field: string): RegisterEntry[] {
  const entries: RegisterEntry[] = [];
  for (const [key, stored] of clocks.entries()) {
    if (!key.startsWith(`${field}/`)) continue;
    const parsed = parseRegisterKey(key);
    if (parsed) entries.push({ key, at: parsed.at, by: parsed.by, stored });
  }
  return entries.sort((a, b) => (a.at === b.at ? compare(a.by, b.by) : compare(a.at, b.at)));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The stamp of a Yjs-merged field (or of the delete), if it has a well-formed one. */
export const stampOf = (clocks: Y.Map<unknown>, key: string): FieldStamp | undefined =>
  readFieldStamp(clocks.get(key));

/** The highest stamp anywhere in the record: the next write is stamped after it. */
export function highestStamp(clocks: Y.Map<unknown>): HlcStamp | undefined {
  let highest: HlcStamp | undefined;
  for (const [key, value] of clocks.entries()) {
    const registered = parseRegisterKey(key)?.at;
    const stamped = readFieldStamp(value)?.at;
    highest = laterHlc(highest, laterHlc(registered, stamped));
  }
  return highest;
}

/**
 * Writes a plain value (validated) to a top-level field with its stamp, in the caller's transaction. A write
 * that changes nothing leaves no stamp.
 */
export function writeStampedField(
  doc: Y.Doc,
  host: FieldHost,
  key: string,
  field: AnyField,
  value: unknown,
  author: { actor: string; now: number },
): void {
  if (!isStamped(field)) {
    writeField(host, key, field, value);
    return;
  }
  const clocks = clocksOf(doc);
  const stored = value instanceof Date ? value.getTime() : value;
  if (field.policy === 'latest') {
    const entries = registerEntries(clocks, key);
    const current = entries.length > 0 ? (entries.at(-1)!.stored ?? undefined) : host.map.get(key);
    if (entries.length <= 1 && current === stored) return;
    const at = nextHlc(highestStamp(clocks), author.now);
    for (const entry of entries) clocks.delete(entry.key);
    clocks.set(`${key}/${at}/${author.actor}`, stored ?? null);
    // The plain copy in `fields` is what clients that do not know the register read.
    writeField(host, key, field, value);
    return;
  }
  const before = host.map.get(key);
  writeField(host, key, field, value);
  if (host.map.get(key) === before) return;
  const stamp: FieldStamp = {
    at: nextHlc(highestStamp(clocks), author.now),
    by: author.actor,
    seen: stampOf(clocks, key)?.at ?? '',
  };
  clocks.set(key, encodeFieldStamp(stamp));
}

/** Stamps the author's last change to the record, in the caller's transaction. */
export function stampEdit(doc: Y.Doc, author: { actor: string; now: number }): void {
  const clocks = clocksOf(doc);
  const stamp: FieldStamp = { at: nextHlc(highestStamp(clocks), author.now), by: author.actor, seen: '' };
  clocks.set(EDITED_PREFIX + author.actor, encodeFieldStamp(stamp));
}

/** A delete's stamp: `edits` holds each author's last edit stamp as the delete saw it (an object, rare). */
export interface DeletionStamp extends FieldStamp {
  readonly edits: Readonly<Record<string, HlcStamp>>;
}

export function isDeletionStamp(value: unknown): value is DeletionStamp {
  if (typeof value !== 'object' || !isFieldStamp(value)) return false;
  const edits = (value as { edits?: unknown }).edits;
  return typeof edits === 'object' && edits !== null && Object.values(edits).every(isHlcStamp);
}

/** Stamps a delete with the edits it saw, in the caller's transaction (before its own edit stamp). */
export function stampDeletion(doc: Y.Doc, author: { actor: string; now: number }): void {
  const clocks = clocksOf(doc);
  const edits: Record<string, HlcStamp> = {};
  for (const { by, at } of stampsOf(clocks)) edits[by] = laterHlc(edits[by], at)!;
  const stamp: DeletionStamp = {
    at: nextHlc(highestStamp(clocks), author.now),
    by: author.actor,
    seen: '',
    edits,
  };
  clocks.set(DELETED_KEY, stamp);
}

/** The stamp of an author's last edit of the record. */
export function lastEditOf(clocks: Y.Map<unknown>, actor: string): HlcStamp | undefined {
  let last: HlcStamp | undefined;
  for (const { by, at } of stampsOf(clocks)) if (by === actor) last = laterHlc(last, at);
  return last;
}

/** Every write stamp the record holds (field stamps, register entries, edit stamps), the delete's aside. */
function* stampsOf(clocks: Y.Map<unknown>): Generator<{ by: string; at: HlcStamp }> {
  for (const [key, value] of clocks.entries()) {
    if (key === DELETED_KEY) continue;
    const registered = parseRegisterKey(key);
    const stamp = registered ?? readFieldStamp(value);
    if (stamp) yield stamp;
  }
}

/**
 * The stored value of a `latest` field: its register's winner, or the plain copy when nothing was written
 * through the register (a record from before, or from a client that writes `fields` only).
 */
export function latestStored(doc: Y.Doc, host: FieldHost, key: string): unknown {
  const winner = registerEntries(clocksOf(doc), key).at(-1);
  return winner ? (winner.stored ?? undefined) : host.map.get(key);
}

/** Reads a top-level `latest` field as its plain value; stored data that does not fit goes to `issues`. */
export function readLatestField(
  doc: Y.Doc,
  host: FieldHost,
  key: string,
  field: AnyField,
  issues: FieldIssue[],
): unknown {
  return checked(field, latestStored(doc, host, key), key, issues);
}
