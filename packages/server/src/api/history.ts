import type { IncomingMessage, ServerResponse } from 'node:http';
import { documentName, FIELDS_MAP, hasContent, META_MAP } from '@ferry/core';
import * as Y from 'yjs';
import type { LogEntry } from '../storage/ServerStorage.js';
import type { ApiContext } from './ApiContext.js';
import { principalOf, requireAccess } from './ApiContext.js';
import { ApiError, notFound } from './ApiError.js';
import { sendJson } from './http.js';
import { recordJson } from './recordJson.js';
import { applicable, docAtTime, versionOf } from './versions.js';

/**
 * GET /api/collections/:c/records/:id/history: each stored change with its time, author and the fields it
 * touched, oldest first. With `?at=TIME` (ISO or ms), the record as it was then. Changes older than the
 * relay's history period are merged into snapshots and appear as one change.
 */
export async function history(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
  id: string,
) {
  const name = documentName(collection, id);
  const principal = await principalOf(context, request);
  await requireAccess(context, principal, name, 'read');
  const entries = await context.hub.storage.history(name);
  if (entries.length === 0) throw notFound(`Record "${id}" of "${collection}"`);
  const at = new URL(request.url ?? '/', 'http://relay').searchParams.get('at');
  if (at !== null) {
    const time = /^\d+$/.test(at) ? Number(at) : Date.parse(at);
    if (Number.isNaN(time))
      throw new ApiError(400, 'bad-time', `"${at}" is not a time: use ISO 8601 or milliseconds.`);
    const then = entries.filter((entry) => entry.at <= time);
    const doc = docAtTime(entries, time);
    if (!hasContent(doc))
      throw notFound(`Record "${id}" of "${collection}" at ${new Date(time).toISOString()}`);
    sendJson(
      response,
      200,
      recordJson(collection, id, versionOf(then), doc, context.definitions.get(collection)),
    );
    return;
  }
  sendJson(response, 200, { id, collection, changes: describe(applicable(entries)) });
}

/** Each entry with the fields it touched, found by replaying the log. */
function describe(entries: readonly LogEntry[]) {
  const doc = new Y.Doc({ guid: 'ferry:history' });
  return entries.map((entry) => {
    const { structs, ds } = Y.decodeUpdate(entry.update);
    // Every update repeats the whole delete set: only deletions new in this entry are its own.
    const deleted: Y.ID[] = [];
    for (const [client, ranges] of ds.clients) {
      for (const range of ranges) {
        for (let clock = range.clock; clock < range.clock + range.len; clock++) {
          const id = Y.createID(client, clock);
          if (!isDeletedIn(doc, id)) deleted.push(id);
        }
      }
    }
    Y.applyUpdate(doc, entry.update);
    const fields = new Set<string>();
    for (const id of [...structs.filter((s) => s instanceof Y.Item).map((s) => s.id), ...deleted]) {
      const field = fieldOf(doc, id);
      if (field !== undefined) fields.add(field);
    }
    return {
      cursor: entry.cursor,
      at: new Date(entry.at).toISOString(),
      actor: entry.actor,
      fields: [...fields].sort(),
    };
  });
}

/** Whether the item with this id is deleted already (or not there at all). */
function isDeletedIn(doc: Y.Doc, id: Y.ID): boolean {
  try {
    const item = Y.getItem(doc.store, id);
    return !(item instanceof Y.Item) || item.deleted;
  } catch {
    return false;
  }
}

/**
 * The field the item with this id belongs to, found in the document it was applied to: a key of the
 * `fields` map, or the first part of a root type's name (`body`, `address` for `address.note`).
 */
function fieldOf(doc: Y.Doc, id: Y.ID): string | undefined {
  let item: Y.Item;
  try {
    const found = Y.getItem(doc.store, id);
    if (!(found instanceof Y.Item)) return undefined;
    item = found;
  } catch {
    return undefined;
  }
  for (;;) {
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return undefined;
    if (parent._item === null) {
      const root = Y.findRootTypeKey(parent);
      if (root === META_MAP) return undefined;
      return root === FIELDS_MAP ? (item.parentSub ?? undefined) : root.split('.')[0];
    }
    item = parent._item;
  }
}
