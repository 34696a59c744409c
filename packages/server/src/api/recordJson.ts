import {
  type CollectionDefinition,
  FIELDS_MAP,
  isPlainObject,
  META_MAP,
  readMeta,
  readRecord,
  type Shape,
  ValidationError,
  validateFields,
} from '@ferry/core';
import * as Y from 'yjs';
import { ApiError } from './ApiError.js';

/** A record as the REST API shows it. */
export interface RecordJson {
  id: string;
  collection: string;
  /** The cursor of the record's latest stored change; send it back in If-Match when changing text. */
  version: string;
  fields: Record<string, unknown>;
  meta: { createdAt: string; createdBy: string; updatedAt: string; updatedBy: string; deleted: boolean };
}

/** A record's JSON: through its schema when the relay knows it, otherwise by looking at the document. */
export function recordJson(
  collection: string,
  id: string,
  version: string,
  doc: Y.Doc,
  definition: CollectionDefinition | undefined,
): RecordJson {
  const meta = readMeta(doc);
  return {
    id,
    collection,
    version,
    fields: definition ? readRecord(doc, definition.fields).value : readWithoutSchema(doc),
    meta: {
      createdAt: meta.createdAt.toISOString(),
      createdBy: meta.createdBy,
      updatedAt: meta.updatedAt.toISOString(),
      updatedBy: meta.updatedBy,
      deleted: meta.deleted,
    },
  };
}

/**
 * Reads fields without a schema: plain values from the `fields` map, and every other root type by what it
 * holds (text, a list or a map), as Ferry's layout stores text, lists and objects.
 */
function readWithoutSchema(doc: Y.Doc): Record<string, unknown> {
  const out: Record<string, unknown> = { ...doc.getMap(FIELDS_MAP).toJSON() };
  for (const name of doc.share.keys()) {
    if (name === FIELDS_MAP || name === META_MAP || name.includes('.')) continue;
    const value = rootValue(doc, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The JSON of a root type whose kind is not declared: guessed from its content. */
export function rootValue(doc: Y.Doc, name: string): unknown {
  const type = doc.share.get(name)!;
  if (type._map.size > 0) return withNested(doc, name, doc.getMap(name).toJSON());
  let item = type._start;
  while (item?.deleted) item = item.right;
  if (!item) return type instanceof Y.Text ? '' : undefined;
  return item.content instanceof Y.ContentString || item.content instanceof Y.ContentFormat
    ? doc.getText(name).toString()
    : doc.getArray(name).toJSON();
}

function withNested(doc: Y.Doc, name: string, plain: Record<string, unknown>): Record<string, unknown> {
  const prefix = `${name}.`;
  for (const key of doc.share.keys()) {
    if (!key.startsWith(prefix) || key.slice(prefix.length).includes('.')) continue;
    const value = rootValue(doc, key);
    if (value !== undefined) plain[key.slice(prefix.length)] = value;
  }
  return plain;
}

/**
 * Turns JSON field values into what the schema expects (ISO strings and numbers become Dates for date
 * fields) and validates them. Throws a 400 ApiError naming the field.
 */
export function fieldsFromJson(
  definition: CollectionDefinition,
  body: unknown,
  mode: 'create' | 'patch',
): Record<string, unknown> {
  if (!isPlainObject(body)) throw new ApiError(400, 'validation', 'The fields must be a JSON object.');
  const values = datesFromJson(definition.fields, body);
  try {
    validateFields(definition.name, definition.fields, values, '', mode);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ApiError(400, 'validation', error.message, { field: error.field, expected: error.expected });
  }
  return values;
}

function datesFromJson(shape: Shape, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const [key, field] of Object.entries(shape)) {
    const value = out[key];
    if (value === undefined || value === null) {
      if (value === null) out[key] = undefined;
      continue;
    }
    const spec = field.spec;
    if (spec.kind === 'date' && (typeof value === 'string' || typeof value === 'number'))
      out[key] = new Date(value);
    if (spec.kind === 'object' && isPlainObject(value)) out[key] = datesFromJson(spec.shape, value);
    if (spec.kind === 'list' && Array.isArray(value) && spec.item.spec.kind === 'date') {
      out[key] = value.map((v) => (typeof v === 'string' || typeof v === 'number' ? new Date(v) : v));
    }
  }
  return out;
}
