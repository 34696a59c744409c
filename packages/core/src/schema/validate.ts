import { ValidationError } from '../errors.js';
import { isFileRef } from '../files/FileRef.js';
import type { AnyField, Shape } from './fields.js';

/** Describes what a field accepts, for error messages: "a number", "one of "a", "b"". */
export function expectedOf(field: AnyField): string {
  const spec = field.spec;
  switch (spec.kind) {
    case 'text':
    case 'string':
      return 'a string';
    case 'number':
      return 'a finite number';
    case 'boolean':
      return 'a boolean';
    case 'date':
      return 'a valid Date';
    case 'enum':
      return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'ref':
      return `the id (a string) of a record in "${spec.collection}"`;
    case 'list':
      return `an array of ${expectedOf(spec.item)}`;
    case 'object':
      return 'an object';
    case 'file':
      return 'a file reference { hash, size, type, name } (from ferry.files.add)';
  }
}

/** Throws a ValidationError naming the field path when `value` does not fit `field`. */
export function validateValue(collection: string, path: string, field: AnyField, value: unknown): void {
  const fail = (): never => {
    throw new ValidationError(collection, path, value, expectedOf(field));
  };
  const spec = field.spec;
  switch (spec.kind) {
    case 'text':
    case 'string':
    case 'ref':
      if (typeof value !== 'string') fail();
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail();
      return;
    case 'date':
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail();
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) fail();
      return;
    case 'file':
      if (!isFileRef(value)) fail();
      return;
    case 'list':
      if (!Array.isArray(value)) fail();
      (value as unknown[]).forEach((item, i) => {
        validateValue(collection, `${path}[${i}]`, spec.item, item);
      });
      return;
    case 'object':
      if (!isPlainObject(value)) fail();
      validateFields(collection, spec.shape, value as Record<string, unknown>, `${path}.`, 'create');
      return;
  }
}

/**
 * Validates a set of field values. `create` requires every required field; `patch` checks only the fields
 * given. Unknown fields are refused so that a typo never writes silently into the void.
 */
export function validateFields(
  collection: string,
  shape: Shape,
  values: Record<string, unknown>,
  prefix: string,
  mode: 'create' | 'patch',
): void {
  if (!isPlainObject(values))
    throw new ValidationError(collection, prefix || '(record)', values, 'an object');
  for (const key of Object.keys(values)) {
    if (!Object.hasOwn(shape, key)) {
      throw new ValidationError(
        collection,
        prefix + key,
        values[key],
        'no such field (it is not in the schema)',
      );
    }
  }
  for (const [key, field] of Object.entries(shape)) {
    const value = values[key];
    const given = Object.hasOwn(values, key);
    // Absent from a patch: untouched. Absent on create: the default applies, if the field has one.
    if (!given && (mode === 'patch' || field.presence !== 'required')) continue;
    // `undefined` clears an optional field; any other field must hold a value.
    if (value === undefined && field.presence === 'optional') continue;
    validateValue(collection, prefix + key, field, value);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
