/**
 * Converts between plain field values and their Yjs form. Writes change the Yjs types in place with the
 * smallest edit, so that concurrent edits to other parts survive; reads are lenient and report what does not
 * fit the schema instead of throwing, because merged data may come from any client.
 */
import * as Y from 'yjs';
import { spliceBetween, textSplice } from '../util/diff.js';
import type { AnyField, Shape } from './fields.js';
import { expectedOf } from './validate.js';

/** A stored value that does not fit the schema; the read used the field's default instead. */
export interface FieldIssue {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;
}

type Stored = unknown;

/** Writes `value` (already validated) under `key` of `map`. */
export function writeField(map: Y.Map<Stored>, key: string, field: AnyField, value: unknown): void {
  if (value === undefined) {
    if (map.has(key)) map.delete(key);
    return;
  }
  const existing = map.get(key);
  const spec = field.spec;
  switch (spec.kind) {
    case 'text':
      if (existing instanceof Y.Text) writeText(existing, value as string);
      else map.set(key, new Y.Text(value as string));
      return;
    case 'object': {
      const target = existing instanceof Y.Map ? existing : map.set(key, new Y.Map<Stored>());
      writeObject(target, spec.shape, value as Record<string, unknown>);
      return;
    }
    case 'list': {
      const target = existing instanceof Y.Array ? existing : map.set(key, new Y.Array<Stored>());
      writeList(target, spec.item, value as unknown[]);
      return;
    }
    default: {
      const stored = toStoredPrimitive(field, value);
      if (existing !== stored) map.set(key, stored);
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

function writeObject(map: Y.Map<Stored>, shape: Shape, value: Record<string, unknown>): void {
  for (const [key, field] of Object.entries(shape)) {
    const given = value[key] === undefined ? field.defaultValue() : value[key];
    writeField(map, key, field, given);
  }
}

function writeList(array: Y.Array<Stored>, item: AnyField, values: unknown[]): void {
  const current = array.toArray();
  const splice = spliceBetween(current.length, values.length, (i, j) =>
    sameValue(readValue(item, current[i], '', []), values[j]),
  );
  if (!splice) return;
  if (splice.remove > 0) array.delete(splice.index, splice.remove);
  if (splice.insert > 0) {
    const inserted = values.slice(splice.index, splice.index + splice.insert);
    array.insert(
      splice.index,
      inserted.map((v) => toStoredNew(item, v)),
    );
  }
}

/** A fresh Yjs value for a list item. Yjs types get their content after insertion, where edits merge. */
function toStoredNew(field: AnyField, value: unknown): Stored {
  const spec = field.spec;
  if (spec.kind === 'text') return new Y.Text(value as string);
  if (spec.kind === 'list')
    return Y.Array.from((value as unknown[]).map((v) => toStoredNew(spec.item, v)) as never[]);
  if (spec.kind === 'object') {
    const entries: [string, Stored][] = [];
    for (const [key, sub] of Object.entries(spec.shape)) {
      const given = (value as Record<string, unknown>)[key] ?? sub.defaultValue();
      if (given !== undefined) entries.push([key, toStoredNew(sub, given)]);
    }
    return new Y.Map(entries);
  }
  return toStoredPrimitive(field, value);
}

function toStoredPrimitive(field: AnyField, value: unknown): Stored {
  return field.kind === 'date' ? (value as Date).getTime() : value;
}

/**
 * Reads a stored value as the field's plain value. Stored data that does not fit is recorded in `issues`
 * and read as the field's default.
 */
export function readValue(field: AnyField, stored: Stored, path: string, issues: FieldIssue[]): unknown {
  if (stored === undefined) return fallbackOf(field);
  const decoded = decode(field, stored, path, issues);
  if (decoded !== INVALID) return decoded;
  issues.push({ field: path, value: plainOf(stored), expected: expectedOf(field) });
  return fallbackOf(field);
}

const INVALID = Symbol('invalid');

function decode(field: AnyField, stored: Stored, path: string, issues: FieldIssue[]): unknown {
  const spec = field.spec;
  switch (spec.kind) {
    case 'text':
      if (stored instanceof Y.Text) return stored.toString();
      return typeof stored === 'string' ? stored : INVALID;
    case 'string':
    case 'ref':
      return typeof stored === 'string' ? stored : INVALID;
    case 'number':
      return typeof stored === 'number' && Number.isFinite(stored) ? stored : INVALID;
    case 'boolean':
      return typeof stored === 'boolean' ? stored : INVALID;
    case 'date':
      return typeof stored === 'number' && Number.isFinite(stored) ? new Date(stored) : INVALID;
    case 'enum':
      return typeof stored === 'string' && spec.values.includes(stored) ? stored : INVALID;
    case 'list': {
      if (!(stored instanceof Y.Array)) return INVALID;
      const items: unknown[] = [];
      stored.forEach((item, i) => {
        const before = issues.length;
        const value = readValue(spec.item, item, `${path}[${i}]`, issues);
        // An invalid item is left out of the list rather than shown as a made-up value.
        if (issues.length === before) items.push(value);
      });
      return items;
    }
    case 'object':
      return stored instanceof Y.Map ? readShape(spec.shape, stored, `${path}.`, issues) : INVALID;
  }
}

/** Reads every field of a shape from a Y.Map. */
export function readShape(
  shape: Shape,
  map: Y.Map<Stored>,
  prefix: string,
  issues: FieldIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const value = readValue(field, map.get(key), prefix + key, issues);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The value a field reads as when it holds nothing usable. */
export function fallbackOf(field: AnyField): unknown {
  if (field.presence === 'optional') return undefined;
  if (field.presence === 'default') return field.defaultValue();
  const spec = field.spec;
  switch (spec.kind) {
    case 'text':
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
    case 'list':
      return [];
    case 'object':
      return readShape(spec.shape, new Y.Map(), '', []);
  }
}

function plainOf(stored: Stored): unknown {
  return stored instanceof Y.AbstractType ? stored.toJSON() : stored;
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
