import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate } from 'node:timers/promises';
import { CLOCKS_MAP, documentName, FIELDS_MAP, hasContent, META_MAP } from '@ferry/core';
import * as Y from 'yjs';
import type { LogEntry } from '../storage/ServerStorage.js';
import type { ApiContext } from './ApiContext.js';
import { mayRead, principalOf, requireAccess } from './ApiContext.js';
import { ApiError, notFound } from './ApiError.js';
import { sendJson, sendJsonText } from './http.js';
import { JsonPage } from './JsonPage.js';
import { recordJson } from './recordJson.js';
import { applicable, docAtTime, docFrom, versionOf } from './versions.js';

/**
 * GET /api/collections/:c/records/:id/history: each stored change with its time, author and the fields it
 * touched, oldest first. With `?at=TIME` (ISO or ms), the record as it was then. Changes older than the
 * relay's history period are merged into snapshots and appear as one change. Paged like a list: at most
 * `maxRestResponseBytes` of changes, then `more: true` and the `cursor` to ask `?since=` for the rest.
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
  // The history of a record belongs to it: only who may read it as it is now sees any of it.
  if (entries.length === 0 || !mayRead(context, principal, collection, id, docFrom(entries)))
    throw notFound(`Record "${id}" of "${collection}"`);
  const at = new URL(request.url ?? '/', 'http://relay').searchParams.get('at');
  if (at !== null) {
    const time = /^\d+$/.test(at) ? Number(at) : Date.parse(at);
    // A Date holds at most 8.64e15 ms either side of 1970; past that there is no time to name.
    if (Number.isNaN(new Date(time).getTime()))
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
  // No cursor, or an empty one, is the start of the history.
  const since = new URL(request.url ?? '/', 'http://relay').searchParams.get('since') || null;
  const page = await describe(
    applicable(entries),
    since,
    new JsonPage(context.maxRestResponseBytes, 'changes', { id, collection }),
  );
  sendJsonText(response, 200, page);
}

type DeleteSet = ReturnType<typeof Y.decodeUpdate>['ds'];

/**
 * A page of the changes after the one whose cursor is `since` (all when null), each with the fields it
 * touched, found by replaying the log. One entry is one slice of the work: other requests are served
 * between two.
 */
async function describe(entries: readonly LogEntry[], since: string | null, page: JsonPage): Promise<string> {
  if (since !== null && !entries.some((entry) => entry.cursor === since))
    throw new ApiError(400, 'bad-cursor', `"${since}" is not the cursor of a change of this record.`);
  const doc = new Y.Doc({ guid: 'ferry:history' });
  let describing = since === null;
  let cursor = since ?? '';
  let more = false;
  try {
    for (const entry of entries) {
      await setImmediate();
      if (!describing) {
        Y.applyUpdate(doc, entry.update);
        describing = entry.cursor === since;
        continue;
      }
      if (!page.add(JSON.stringify(applyDescribed(doc, entry)))) {
        more = true;
        break;
      }
      cursor = entry.cursor;
    }
  } finally {
    doc.destroy();
  }
  return page.close({ cursor, more });
}

/** Each entry with its time, author and the fields it touched, the whole log at once (`ferry inspect`). */
export function describeChanges(entries: readonly LogEntry[]) {
  const doc = new Y.Doc({ guid: 'ferry:history' });
  try {
    return entries.map((entry) => applyDescribed(doc, entry));
  } finally {
    doc.destroy();
  }
}

/** Applies one entry to `doc`; what it changed: its cursor, time, author and the fields it touched. */
function applyDescribed(doc: Y.Doc, entry: LogEntry) {
  const { structs, ds } = Y.decodeUpdate(entry.update);
  const fields = new Set<string>();
  // Every update repeats the whole delete set: only items still there before it are its own deletions.
  // Read before applying it, while the items still have their content.
  for (const item of itemsDeletedBy(doc, ds)) addField(fields, item);
  // A client that lost track of what the relay holds (a restart offline, a reconnect) sends its whole state
  // again: items the document held already are not this change's, whoever sent them.
  const before = new Map<number, number>();
  for (const struct of structs) before.set(struct.id.client, Y.getState(doc.store, struct.id.client));
  Y.applyUpdate(doc, entry.update);
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    const known = before.get(struct.id.client) ?? 0;
    if (struct.id.clock + struct.length <= known) continue;
    const item = itemAt(doc, Y.createID(struct.id.client, Math.max(struct.id.clock, known)));
    if (item) addField(fields, item);
  }
  return {
    cursor: entry.cursor,
    at: new Date(entry.at).toISOString(),
    actor: entry.actor,
    fields: [...fields].sort(),
  };
}

/**
 * The items of `doc`, not deleted yet, that a delete set covers. Found range by range among the structs the
 * document holds: a range may claim 2^53 clocks in a few bytes, and its cost must not be per clock.
 */
function itemsDeletedBy(doc: Y.Doc, ds: DeleteSet): Y.Item[] {
  const items: Y.Item[] = [];
  for (const [client, ranges] of ds.clients) {
    const structs = doc.store.clients.get(client);
    if (!structs || structs.length === 0) continue;
    const last = structs[structs.length - 1]!;
    const state = last.id.clock + last.length;
    // Ranges were checked on arrival (in order, apart). An older log may hold overlapping ones: each range
    // starts where the one before it ended, so the walk stays one pass over the structs.
    let from = 0;
    for (const range of [...ranges].sort((a, b) => a.clock - b.clock)) {
      if (range.clock >= state) break;
      let i = Math.max(from, Y.findIndexSS(structs, range.clock));
      for (; i < structs.length && structs[i]!.id.clock < range.clock + range.len; i++) {
        const struct = structs[i]!;
        if (struct instanceof Y.Item && !struct.deleted) items.push(struct);
      }
      from = Math.max(from, i - 1);
    }
  }
  return items;
}

/** The item holding this id, if the document has one. */
function itemAt(doc: Y.Doc, id: Y.ID): Y.Item | undefined {
  if (id.clock >= Y.getState(doc.store, id.client)) return undefined;
  const found = Y.getItem(doc.store, id);
  return found instanceof Y.Item ? found : undefined;
}

/**
 * Adds the field an item belongs to: a key of the `fields` map, or the first part of a root type's name
 * (`body`, `address` for `address.note`). Metadata is no field.
 */
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
