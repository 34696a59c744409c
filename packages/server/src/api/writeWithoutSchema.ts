import { FIELDS_MAP, isPlainObject, META_MAP } from '@ferry/core';
import type * as Y from 'yjs';
import { ApiError } from './ApiError.js';
import { mergeText } from './mergeText.js';

/**
 * Writes JSON fields into a record the relay has no schema for. A field that is already a root type keeps
 * its kind (a string into a Y.Text merges as an edit, an array into a Y.Array replaces its items, an object
 * into a Y.Map sets its keys); anything else is a plain value in the `fields` map.
 */
export function writeWithoutSchema(doc: Y.Doc, body: unknown, base: Y.Doc | undefined): void {
  if (!isPlainObject(body)) throw new ApiError(400, 'validation', 'The fields must be a JSON object.');
  const fields = doc.getMap(FIELDS_MAP);
  for (const [key, value] of Object.entries(body)) {
    if (key === FIELDS_MAP || key === META_MAP || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key)) {
      throw new ApiError(400, 'validation', `"${key}" is not a field name.`, { field: key });
    }
    const root = doc.share.get(key);
    if (root && root._start !== null && typeof value === 'string') {
      mergeText(doc.getText(key), base?.share.has(key) ? base.getText(key) : undefined, value);
    } else if (root && root._start !== null && Array.isArray(value)) {
      for (const item of value) checkStorable(key, item);
      const array = doc.getArray(key);
      array.delete(0, array.length);
      array.insert(0, value);
    } else if (root && root._map.size > 0 && isPlainObject(value)) {
      const map = doc.getMap(key);
      for (const [sub, subValue] of Object.entries(value)) {
        if (subValue === null) map.delete(sub);
        else map.set(sub, checkStorable(key, subValue));
      }
    } else if (value === null) {
      fields.delete(key);
    } else {
      fields.set(key, checkStorable(key, value));
    }
  }
}

/**
 * Yjs chooses how to store a value it is handed by the value's `constructor`: a JSON object with a key of
 * that name would make it throw. Deeper inside a value, such keys are stored as they are.
 */
function checkStorable(field: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'constructor')) {
    throw new ApiError(
      400,
      'validation',
      `The value of "${field}" has a key named "constructor", which Ferry cannot store at the top of a field; nest it in an object.`,
      { field },
    );
  }
  return value;
}
