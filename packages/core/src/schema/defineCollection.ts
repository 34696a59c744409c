import { InvalidNameError } from '../errors.js';
import { assertCollectionName } from '../ids.js';
import type { AnyField, Shape } from './fields.js';
import { validateValue } from './validate.js';

/**
 * Turns a record as version `from` stored it into the current version's fields. `stored` holds every
 * top-level field the record has: plain values as stored (a date as milliseconds), text as a string, a
 * list as an array, an object as an object. Fields left out take their defaults.
 */
export type Migrate = (stored: Record<string, unknown>, from: number) => Record<string, unknown>;

/** A collection's name and fields: the single description that types, validates and decodes its records. */
export interface CollectionDefinition<S extends Shape = Shape> {
  readonly name: string;
  readonly fields: S;
  /** The schema's version (1 when not given); records carry the version that last wrote them. */
  readonly version?: number;
  /** Reads a record written by an older version; see defineCollection. */
  readonly migrate?: Migrate;
}

/** A schema's version and how to read records of older versions. */
export interface VersionOptions {
  /** A whole number from 1, raised with every change of the fields. */
  readonly version: number;
  /** Turns a stored record of an older version into this version's fields (renames, type changes). */
  readonly migrate?: Migrate;
}

/** Field names Ferry keeps for itself: metadata in queries and record values, and the document's own maps. */
export const RESERVED_FIELDS = [
  'id',
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
  'deleted',
  'fields',
  'meta',
] as const;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Describes a collection.
 *
 * ```ts
 * const notes = defineCollection('notes', { title: t.string(), body: t.text(), pinned: t.boolean().default(false) });
 * ```
 */
export function defineCollection<const S extends Shape>(
  name: string,
  fields: S,
  options?: VersionOptions,
): CollectionDefinition<S> {
  assertCollectionName(name);
  checkShape(name, fields, '');
  if (!options) return Object.freeze({ name, fields });
  checkVersion(name, options.version, options.migrate);
  return Object.freeze({ name, fields, version: options.version, migrate: options.migrate });
}

function checkShape(collection: string, shape: Shape, prefix: string): void {
  for (const [field, spec] of Object.entries(shape)) {
    const path = prefix + field;
    if (!FIELD_NAME.test(field)) {
      throw new InvalidNameError(
        `Field name "${path}" of "${collection}" is not allowed: use letters, digits and "_", starting with a letter or "_".`,
      );
    }
    if (!prefix && (RESERVED_FIELDS as readonly string[]).includes(field)) {
      throw new InvalidNameError(`Field name "${field}" of "${collection}" is reserved for record metadata.`);
    }
    checkField(collection, spec, path);
    if (spec.policy !== 'yjs' && (spec.policy !== 'latest' || prefix || COLLABORATIVE_KINDS.has(spec.kind))) {
      throw new InvalidNameError(
        `Field "${path}" of "${collection}" cannot merge by "${spec.policy}": only top-level plain fields (string, number, boolean, date, enum, ref) can.`,
      );
    }
  }
}

/** Kinds that merge item by item, never by a whole-value policy. */
const COLLABORATIVE_KINDS = new Set(['text', 'list', 'object']);

function checkField(collection: string, field: AnyField, path: string): void {
  const spec = field.spec;
  if (spec.kind === 'enum' && spec.values.length === 0) {
    throw new InvalidNameError(`Enum field "${path}" of "${collection}" needs at least one value.`);
  }
  if (spec.kind === 'ref') assertCollectionName(spec.collection);
  if (spec.kind === 'list') {
    if (spec.item.presence !== 'required') {
      throw new InvalidNameError(
        `List items of "${path}" in "${collection}" cannot be optional or defaulted.`,
      );
    }
    checkField(collection, spec.item, `${path}[]`);
  }
  if (spec.kind === 'object') checkShape(collection, spec.shape, `${path}.`);
  if (field.presence === 'default') validateValue(collection, path, field, field.defaultValue());
}

/** Checks the options of defineCollection. */
export function checkVersion(name: string, version: unknown, migrate: unknown): void {
  if (!(typeof version === 'number' && Number.isInteger(version) && version >= 1)) {
    throw new InvalidNameError(
      `The version of "${name}" must be a whole number from 1, got ${String(version)}.`,
    );
  }
  if (migrate !== undefined && typeof migrate !== 'function') {
    throw new InvalidNameError(
      `The migrate option of "${name}" must be a function (stored, fromVersion) => fields.`,
    );
  }
}
