import * as Y from 'yjs';
import { CLOCKS_MAP } from './fieldClocks.js';
import { FIELDS_MAP, META_MAP } from './layout.js';

/**
 * The fields a local change touched, read from its update once the document holds it: the field each new
 * item belongs to, and each item it deleted (a local transaction's update carries only its own deletions).
 * Metadata and stamps are no fields. A deleted item Yjs has already collected has no parent left to name.
 */
export function fieldsOfUpdate(doc: Y.Doc, update: Uint8Array): string[] {
  const { structs, ds } = Y.decodeUpdate(update);
  const fields = new Set<string>();
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    const item = itemAt(doc, struct.id);
    if (item) addField(fields, item);
  }
  for (const [client, ranges] of ds.clients) {
    const stored = doc.store.clients.get(client);
    if (!stored) continue;
    for (const range of ranges) {
      const state = Y.getState(doc.store, client);
      if (range.clock >= state) continue;
      for (let i = Y.findIndexSS(stored, range.clock); i < stored.length; i++) {
        const struct = stored[i]!;
        if (struct.id.clock >= range.clock + range.len) break;
        if (struct instanceof Y.Item) addField(fields, struct);
      }
    }
  }
  return [...fields].sort();
}

function itemAt(doc: Y.Doc, id: Y.ID): Y.Item | undefined {
  if (id.clock >= Y.getState(doc.store, id.client)) return undefined;
  const found = Y.getItem(doc.store, id);
  return found instanceof Y.Item ? found : undefined;
}

/** The field an item belongs to: a key of the `fields` map, or the first part of a root type's name. */
function addField(fields: Set<string>, start: Y.Item): void {
  let item = start;
  for (;;) {
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return;
    if (parent._item === null) {
      const root = Y.findRootTypeKey(parent);
      if (root === META_MAP || root === CLOCKS_MAP) return;
      const field = root === FIELDS_MAP ? item.parentSub : root.split('.')[0];
      if (field) fields.add(field);
      return;
    }
    item = parent._item;
  }
}
