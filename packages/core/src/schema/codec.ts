/**
 * Converts between plain field values and their Yjs form. Writes change the Yjs types in place with the
 * smallest edit, so that concurrent edits to other parts survive; reads are lenient and report what does not
 * fit the schema instead of throwing, because merged data may come from any client.
 */
import * as Y from 'yjs';
import { type FileRef, isFileRef, storedFileRef } from '../files/FileRef.js';
import { spliceBetween, textSplice } from '../util/diff.js';
import { type FieldHost, NestedHost } from './FieldHost.js';
import type { AnyField, Shape } from './fields.js';
import { expectedOf } from './validate.js';

/** A stored value that does not fit the schema; the read used the field's default instead. */
export interface FieldIssue {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;
}

/** Writes `value` (already validated) to field `key` of `host`; `undefined` clears it. */
export function writeField(host: FieldHost, key: string, field: AnyField, value: unknown): void {
  const spec = field.spec;
  switch (spec.kind) {
    case 'text':
      writeText(host.shared(key, 'text'), (value as string | undefined) ?? '');
      return;
    case 'list':
      writeList(host.shared(key, 'list'), spec.item, (value as unknown[] | undefined) ?? []);
      return;
    case 'object':
      if (value === undefined) clearObject(host, key, spec.shape);
      else writeObject(host.shared(key, 'object'), spec.shape, value as Record<string, unknown>);
      return;
    default: {
      if (value === undefined) {
        if (host.map.has(key)) host.map.delete(key);
        return;
      }
      const stored = toStoredPrimitive(field, value);
      if (!sameValue(host.map.get(key), stored)) host.map.set(key, stored);
    }
  }
}

/** Applies the smallest splice that turns the Y.Text's content into `value`. */
export function writeText(text: Y.Text, value: string): void {
  const splice = textSplice(text.toString(), value);
  if (!splice) return;
  if (splice.remove > 0) text.delete(splice.index, splice.remove);
  if (splice.insert > 0) text.insert(splice.index, value.slice(splice.index, splice.index + splice.insert));
}

function writeObject(host: FieldHost, shape: Shape, value: Record<string, unknown>): void {
  for (const [key, field] of Object.entries(shape)) {
    const given = value[key] === undefined ? field.defaultValue() : value[key];
    writeField(host, key, field, given);
  }
}

function clearObject(host: FieldHost, key: string, shape: Shape): void {
  const object = host.existing(key, 'object') as FieldHost | undefined;
  if (!object) return;
  for (const [sub, field] of Object.entries(shape)) writeField(object, sub, field, undefined);
}

function writeList(array: Y.Array<unknown>, item: AnyField, values: unknown[]): void {
  const current = array.toArray();
  const splice = spliceBetween(current.length, values.length, (i, j) =>
    sameValue(readItem(item, current[i], '', []), values[j]),
  );
  if (!splice) return;
  if (splice.remove > 0) array.delete(splice.index, splice.remove);
  if (splice.insert > 0) {
    const inserted = values.slice(splice.index, splice.index + splice.insert);
    array.insert(
      splice.index,
      inserted.map((v) => toStoredItem(item, v)),
    );
  }
}

/** A fresh Yjs value for a list item. Yjs types get their content when inserted, where edits merge. */
function toStoredItem(field: AnyField, value: unknown): unknown {
  const spec = field.spec;
  if (spec.kind === 'text') return new Y.Text(value as string);
  if (spec.kind === 'list')
    return Y.Array.from((value as unknown[]).map((v) => toStoredItem(spec.item, v)) as never[]);
  if (spec.kind === 'object') {
    const entries: [string, unknown][] = [];
    for (const [key, sub] of Object.entries(spec.shape)) {
      const given = (value as Record<string, unknown>)[key] ?? sub.defaultValue();
      if (given !== undefined) entries.push([key, toStoredItem(sub, given)]);
    }
    return new Y.Map(entries);
  }
  return toStoredPrimitive(field, value);
}

function toStoredPrimitive(field: AnyField, value: unknown): unknown {
  if (field.kind === 'date') return (value as Date).getTime();
  // Only the reference's own keys: a richer object would not be found as a reference by the relay.
  if (field.kind === 'file') return storedFileRef(value as FileRef);
  return value;
}

/**
 * Reads field `key` of `host` as its plain value. Stored data that does not fit is recorded in `issues` and
 * read as the field's default.
 */
export function readField(
  host: FieldHost,
  key: string,
  field: AnyField,
  path: string,
  issues: FieldIssue[],
): unknown {
  const spec = field.spec;
  switch (spec.kind) {
    case 'text': {
      const text = host.existing(key, 'text') as Y.Text | undefined;
      // A plain string is what a client unaware of Ferry's layout may have written.
      const plain = host.map.get(key);
      return text ? text.toString() : typeof plain === 'string' ? plain : '';
    }
    case 'list': {
      const array = host.existing(key, 'list') as Y.Array<unknown> | undefined;
      return array ? readItems(spec.item, array, path, issues) : [];
    }
    case 'object': {
      const object = host.existing(key, 'object') as FieldHost | undefined;
      if (!object || isEmpty(object, spec.shape)) return fallbackOf(field);
      return readShape(object, spec.shape, `${path}.`, issues);
    }
    default:
      return checked(field, host.map.get(key), path, issues);
  }
}

/** Reads every field of a shape. */
export function readShape(
  host: FieldHost,
  shape: Shape,
  prefix: string,
  issues: FieldIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const value = readField(host, key, field, prefix + key, issues);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function readItems(item: AnyField, array: Y.Array<unknown>, path: string, issues: FieldIssue[]): unknown[] {
  const items: unknown[] = [];
  array.forEach((stored, i) => {
    const before = issues.length;
    const value = readItem(item, stored, `${path}[${i}]`, issues);
    // An invalid item is left out of the list rather than shown as a made-up value.
    if (issues.length === before) items.push(value);
  });
  return items;
}

/** Reads one list item, stored inline. */
function readItem(field: AnyField, stored: unknown, path: string, issues: FieldIssue[]): unknown {
  const spec = field.spec;
  if (spec.kind === 'text' && stored instanceof Y.Text) return stored.toString();
  if (spec.kind === 'list' && stored instanceof Y.Array) return readItems(spec.item, stored, path, issues);
  if (spec.kind === 'object' && stored instanceof Y.Map)
    return readShape(new NestedHost(stored), spec.shape, `${path}.`, issues);
  return checked(field, stored, path, issues);
}

/** A plain stored value, if it fits the field; otherwise an issue and the field's default. */
export function checked(field: AnyField, stored: unknown, path: string, issues: FieldIssue[]): unknown {
  if (stored === undefined) return fallbackOf(field);
  const decoded = decodePlain(field, stored);
  if (decoded !== INVALID) return decoded;
  issues.push({
    field: path,
    value: stored instanceof Y.AbstractType ? stored.toJSON() : stored,
    expected: expectedOf(field),
  });
  return fallbackOf(field);
}

const INVALID = Symbol('invalid');

/** Whether a plain value stored in a record fits the field (a date is stored as its time in ms). */
export const fitsStored = (field: AnyField, stored: unknown): boolean =>
  decodePlain(field, stored) !== INVALID;

function decodePlain(field: AnyField, stored: unknown): unknown {
  const spec = field.spec;
  switch (spec.kind) {
    case 'string':
    case 'ref':
    case 'text':
      return typeof stored === 'string' ? stored : INVALID;
    case 'number':
      return typeof stored === 'number' && Number.isFinite(stored) ? stored : INVALID;
    case 'boolean':
      return typeof stored === 'boolean' ? stored : INVALID;
    case 'date':
      return typeof stored === 'number' && Number.isFinite(stored) ? new Date(stored) : INVALID;
    case 'enum':
      return typeof stored === 'string' && spec.values.includes(stored) ? stored : INVALID;
    case 'file':
      return isFileRef(stored) ? storedFileRef(stored) : INVALID;
    default:
      return INVALID;
  }
}

/** An object holds nothing: no plain value, no text, no list item, recursively. */
function isEmpty(host: FieldHost, shape: Shape): boolean {
  if (host.map.size > 0) return false;
  return Object.entries(shape).every(([key, field]) => {
    const kind = field.kind;
    if (kind !== 'text' && kind !== 'list' && kind !== 'object') return true;
    const part = host.existing(key, kind);
    if (!part) return true;
    if (part instanceof Y.Text || part instanceof Y.Array) return part.length === 0;
    return field.spec.kind === 'object' ? isEmpty(part, field.spec.shape) : true;
  });
}

/** The value a field reads as when it holds nothing usable. Text and lists are never absent: '' and []. */
export function fallbackOf(field: AnyField): unknown {
  const spec = field.spec;
  if (spec.kind === 'text') return field.presence === 'default' ? field.defaultValue() : '';
  if (spec.kind === 'list') return field.presence === 'default' ? field.defaultValue() : [];
  if (field.presence === 'optional') return undefined;
  if (field.presence === 'default') return field.defaultValue();
  switch (spec.kind) {
    case 'string':
    case 'ref':
      return '';
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'date':
      return new Date(0);
    case 'enum':
      return spec.values[0];
    case 'object':
      return readShape(new NestedHost(new Y.Map()), spec.shape, '', []);
    case 'file':
      // No file stands in for a missing one: a required file field that merged data lacks reads as undefined.
      return undefined;
  }
}

/** The root types a record of this shape uses, for an UndoManager's scope. */
export function rootTypesOf(doc: Y.Doc, shape: Shape, prefix = ''): Y.AbstractType<unknown>[] {
  const types: Y.AbstractType<unknown>[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const name = prefix + key;
    const spec = field.spec;
    if (spec.kind === 'text') types.push(doc.getText(name) as Y.AbstractType<unknown>);
    if (spec.kind === 'list') types.push(doc.getArray(name) as Y.AbstractType<unknown>);
    if (spec.kind === 'object')
      types.push(doc.getMap(name) as Y.AbstractType<unknown>, ...rootTypesOf(doc, spec.shape, `${name}.`));
  }
  return types;
}

/** Deep equality of plain values (Dates by time). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}
