import {
  type CollectionDefinition,
  isPlainObject,
  readMeta,
  type Shape,
  ValidationError,
  validateFields,
} from '@ferry/core';
import type * as Y from 'yjs';
import { readFields } from '../documents/RecordView.js';
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

/** A record's JSON, as the REST API answers it. */
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
    fields: readFields(doc, definition),
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
