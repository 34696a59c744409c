import * as Y from 'yjs';
import { isFileRef } from './FileRef.js';

/**
 * The hashes of every file a record's current state refers to, wherever it sits: a field, a list item, a
 * nested object. Read by shape, not by schema, so that the relay finds them in any collection.
 */
export function fileRefsOf(doc: Y.Doc): Set<string> {
  const hashes = new Set<string>();
  for (const type of doc.share.values()) collect(type, hashes);
  return hashes;
}

function collect(value: unknown, hashes: Set<string>): void {
  if (isFileRef(value)) {
    hashes.add(value.hash);
    return;
  }
  if (value instanceof Y.Map) {
    for (const item of value.values()) collect(item, hashes);
  } else if (value instanceof Y.Array) {
    for (const item of value.toArray()) collect(item, hashes);
  } else if (value instanceof Y.AbstractType) {
    // A root type nobody has read as a map or an array yet (as on the relay): its items, both ways.
    const type = value as unknown as { _map: Map<string, Y.Item>; _start: Y.Item | null };
    for (const item of type._map.values()) collectItem(item, hashes);
    for (let item = type._start; item; item = item.right as Y.Item | null) collectItem(item, hashes);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, hashes);
  } else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) collect(item, hashes);
  }
}

function collectItem(item: Y.Item, hashes: Set<string>): void {
  if (item.deleted) return;
  for (const content of item.content.getContent()) collect(content, hashes);
}
