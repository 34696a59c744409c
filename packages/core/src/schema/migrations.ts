/**
 * Schema versions. A collection defined with `{ version, migrate }` stamps the records it writes with its
 * version (`meta.version`; absent means 1). A record stamped older is read through `migrate`, from what is
 * stored, as the older version wrote it; the first write of the newer version writes the migrated fields
 * in the new layout and stamps the record with the new version. Nothing is deleted on the way: a client
 * still on the older version keeps reading and writing its own fields, and keeps the newer ones it does not
 * know.
 */
import * as Y from 'yjs';
import { writeStampedField } from '../record/fieldClocks.js';
import { FIELDS_MAP, META_MAP, metaOf } from '../record/layout.js';
import { readRecord } from '../record/writes.js';
import type { FieldIssue } from './codec.js';
import type { CollectionDefinition } from './defineCollection.js';
import { recordHost } from './FieldHost.js';
import { validateValue } from './validate.js';

export const VERSION_KEY = 'version';

/** The schema version a record was last written with (1 when never stamped). */
export function storedVersion(doc: Y.Doc): number {
  const version = metaOf(doc).get(VERSION_KEY);
  return typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : 1;
}

export const versionOf = (definition: CollectionDefinition): number => definition.version ?? 1;

/** Whether a record was written by an older version of the schema than `definition`. */
export const isOlder = (doc: Y.Doc, definition: CollectionDefinition): boolean =>
  storedVersion(doc) < versionOf(definition);

/**
 * Reads a record through its collection's schema: as stored when it is of the current version (or newer),
 * through `migrate` when older.
 */
export function readVersioned(
  doc: Y.Doc,
  definition: CollectionDefinition,
): { value: Record<string, unknown>; issues: FieldIssue[] } {
  if (!isOlder(doc, definition)) return readRecord(doc, definition.fields);
  const { values, issues } = migratedValues(doc, definition);
  // The migrated values are written to a scratch document and read back, so they decode like stored ones.
  const scratch = new Y.Doc();
  const host = recordHost(scratch);
  for (const [key, value] of Object.entries(values)) {
    writeStampedField(scratch, host, key, definition.fields[key]!, value, { actor: '', now: 0 });
  }
  const read = readRecord(scratch, definition.fields);
  scratch.destroy();
  return { value: read.value, issues: [...issues, ...read.issues] };
}

/**
 * Writes a record of an older version in the current layout, in the caller's transaction, before a write of
 * the current version changes it. Returns whether it did.
 */
export function upgradeRecord(
  doc: Y.Doc,
  definition: CollectionDefinition,
  author: { actor: string; now: number },
): boolean {
  if (!isOlder(doc, definition)) return false;
  const { values } = migratedValues(doc, definition);
  const host = recordHost(doc);
  for (const [key, value] of Object.entries(values)) {
    writeStampedField(doc, host, key, definition.fields[key]!, value, author);
  }
  stampVersion(doc, definition);
  return true;
}

/** Stamps a record with the schema's version, in the caller's transaction (nothing for version 1). */
export function stampVersion(doc: Y.Doc, definition: CollectionDefinition): void {
  const version = versionOf(definition);
  if (version > 1 && metaOf(doc).get(VERSION_KEY) !== version) metaOf(doc).set(VERSION_KEY, version);
}

/** What `migrate` makes of the stored record: the values that fit the current fields, and the others. */
function migratedValues(
  doc: Y.Doc,
  definition: CollectionDefinition,
): { values: Record<string, unknown>; issues: FieldIssue[] } {
  const stored = storedFields(doc);
  const migrated = definition.migrate ? definition.migrate(stored, storedVersion(doc)) : stored;
  const values: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [key, field] of Object.entries(definition.fields)) {
    let value = migrated[key];
    if (value === undefined) continue;
    if (field.kind === 'date' && typeof value === 'number') value = new Date(value);
    try {
      validateValue(definition.name, key, field, value);
      values[key] = value;
    } catch (error) {
      const expected = (error as { expected?: string }).expected ?? '';
      issues.push({ field: key, value, expected });
    }
  }
  return { values, issues };
}

/** Every top-level field a record holds, whatever schema wrote it. */
function storedFields(doc: Y.Doc): Record<string, unknown> {
  const out: Record<string, unknown> = { ...doc.getMap(FIELDS_MAP).toJSON() };
  for (const [name, type] of doc.share) {
    if (name === FIELDS_MAP || name === META_MAP || name.includes('.')) continue;
    if (type._map.size > 0) out[name] = doc.getMap(name).toJSON();
    else if (type instanceof Y.Text || firstContent(type) instanceof Y.ContentString)
      out[name] = doc.getText(name).toString();
    else if (firstContent(type) !== undefined) out[name] = doc.getArray(name).toJSON();
  }
  return out;
}

function firstContent(type: { _start: Y.Item | null }): unknown {
  let item = type._start;
  while (item?.deleted) item = item.right;
  return item?.content;
}
