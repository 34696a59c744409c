import {
  type CollectionDefinition,
  FIELDS_MAP,
  hasContent,
  META_MAP,
  type RecordMeta,
  readMeta,
  readVersioned,
} from '@ferry/core';
import * as Y from 'yjs';

/**
 * A record as rules and REST see it: its fields as plain values (through its schema when the relay knows
 * it), and its metadata. Frozen all the way down: one view is shared by every rule asked about one state
 * of the record, so no rule can change what the next one sees.
 */
export interface RecordView {
  readonly id: string;
  readonly collection: string;
  /** False for a name nobody has written yet (its fields are then empty). */
  readonly exists: boolean;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly meta: RecordMeta;
}

export function viewRecord(
  collection: string,
  id: string,
  doc: Y.Doc,
  definition: CollectionDefinition | undefined,
): RecordView {
  return deepFreeze({
    id,
    collection,
    exists: hasContent(doc),
    fields: readFields(doc, definition),
    meta: readMeta(doc),
  });
}

/** A record's fields: through its schema when the relay knows it, otherwise by looking at the document. */
export function readFields(
  doc: Y.Doc,
  definition: CollectionDefinition | undefined,
): Record<string, unknown> {
  // A record an older version of the schema wrote is read through the schema's migrate.
  return definition ? readVersioned(doc, definition).value : readWithoutSchema(doc);
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

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
