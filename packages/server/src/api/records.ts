import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate } from 'node:timers/promises';
import {
  documentName,
  hasContent,
  isDeleted,
  parseDocumentName,
  randomId,
  stampCreated,
  stampUpdated,
  stampVersion,
  upgradeRecord,
  writeCreate,
  writeDeleted,
  writePatch,
} from '@ferry/core';
import { AccessCache } from '../auth/AccessCache.js';
import type { Principal } from '../auth/Auth.js';
import type { ApiContext } from './ApiContext.js';
import { mayRead, principalOf, requireAccess } from './ApiContext.js';
import { ApiError, notFound } from './ApiError.js';
import { checkFieldCount } from './fieldCount.js';
import { readJson, sendJson, sendJsonText } from './http.js';
import { JsonPage } from './JsonPage.js';
import { mergeText } from './mergeText.js';
import type { Written } from './RecordWriter.js';
import { fieldsFromJson, recordJson } from './recordJson.js';
import { docAtVersion } from './versions.js';
import { writeWithoutSchema } from './writeWithoutSchema.js';

const FROM_REST = Symbol('ferry:rest');

/**
 * Records one list request reads at most, listed or not (a filter may match few): past it, the page ends
 * with `more: true` where it stopped, so that the work of one request is bounded whatever the collection.
 */
const MAX_READS_PER_PAGE = 1000;

/**
 * GET /api/collections/:c/records: records changed after `since`, filtered by field equality, paged. A page
 * holds at most `limit` records and `maxRestResponseBytes` of JSON (one record larger than that is answered
 * alone, as a GET of it would be); it is built a record at a time, letting other requests in between.
 */
export async function listRecords(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
) {
  const principal = await principalOf(context, request);
  await requireAccess(context, principal, collection, 'read');
  const access = new AccessCache(context.auth, principal, context.maxAccessAnswers);
  const query = new URL(request.url ?? '/', 'http://relay').searchParams;
  const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
  const withDeleted = query.get('deleted') === 'true';
  const filters = [...query].filter(([key]) => !['since', 'limit', 'deleted'].includes(key));
  const definition = context.definitions.get(collection);
  // A record is listed at its latest change, so that its earlier ones do not list it again on a later page:
  // the cursor of the latest, for each record read whose latest change the feed has not reached yet.
  const latestAhead = new Map<string, string>();
  let reads = 0;
  const page = new JsonPage(context.maxRestResponseBytes, 'records');
  let cursor = query.get('since') ?? '';
  let full = false;
  let more = true;
  while (!full && more) {
    const changes = await context.hub.storage
      .changes(collection, cursor, { limit: 200, withoutUpdates: true })
      .catch(() => {
        throw new ApiError(400, 'bad-cursor', `"${cursor}" is not a cursor of this relay.`);
      });
    more = changes.more;
    for (const [index, item] of changes.items.entries()) {
      if (reads === MAX_READS_PER_PAGE) {
        full = true;
        more = true;
        break;
      }
      const json = await listedRecord(item.name, item.cursor);
      if (json !== undefined && !page.add(json)) {
        full = true;
        more = true;
        break;
      }
      // The answer's cursor is that of the last change looked at and answered (or left out).
      cursor = item.cursor;
      if (page.count === limit) {
        full = true;
        more ||= index < changes.items.length - 1;
        break;
      }
    }
  }
  sendJsonText(response, 200, page.close({ cursor, more }));

  /** The JSON text of the record changed at `cursor`, if the list shows it there; undefined if not. */
  async function listedRecord(name: string, cursor: string): Promise<string | undefined> {
    const latest = latestAhead.get(name);
    if (latest !== undefined && latest !== cursor) return undefined;
    latestAhead.delete(name);
    if (!(await access.canRead(name))) return undefined;
    // Each record is one slice of the work: /healthz and other clients are served between two.
    await setImmediate();
    reads++;
    const { doc, version } = await context.writer.read(name);
    if (version !== cursor) {
      latestAhead.set(name, version);
      return undefined;
    }
    if (!hasContent(doc) || (isDeleted(doc) && !withDeleted)) return undefined;
    const { id } = parseDocumentName(name)!;
    if (!mayRead(context, principal, collection, id, doc)) return undefined;
    const json = recordJson(collection, id, version, doc, definition);
    if (!filters.every(([field, value]) => matches(json.fields[field], value))) return undefined;
    return JSON.stringify(json);
  }
}

/** GET /api/collections/:c/records/:id */
export async function getRecord(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
  id: string,
) {
  const { name, principal } = await recordAccess(context, request, collection, id, 'read');
  const { doc, version } = await context.writer.read(name);
  if (!hasContent(doc) || !mayRead(context, principal, collection, id, doc))
    throw notFound(`Record "${id}" of "${collection}"`);
  sendJson(response, 200, recordJson(collection, id, version, doc, context.definitions.get(collection)), {
    etag: `"${version}"`,
  });
}

/** POST /api/collections/:c/records: creates a record; `id` in the body is optional. */
export async function createRecord(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
) {
  const principal = await principalOf(context, request);
  const body = await readJson(request, context.maxBodyBytes, context.maxJsonDepth);
  checkFieldCount(body, context.maxFieldsPerWrite, 'id');
  const { id: given, ...fields } = (body ?? {}) as Record<string, unknown>;
  const id = given === undefined ? randomId() : String(given);
  const name = nameOf(collection, id);
  await requireAccess(context, principal, name, 'write');
  const definition = context.definitions.get(collection);
  const values = definition ? fieldsFromJson(definition, fields, 'create') : fields;
  const written = await context.writer.write(name, principal, (doc) => {
    if (hasContent(doc))
      throw new ApiError(
        409,
        'exists',
        `Record "${id}" already exists in "${collection}"; PATCH it instead.`,
      );
    const author = { actor: principal.id, now: context.now() };
    if (definition)
      doc.transact(() => {
        writeCreate(doc, definition.fields, values, author, FROM_REST);
        stampVersion(doc, definition);
      }, FROM_REST);
    else
      doc.transact(() => {
        writeWithoutSchema(doc, values, undefined);
        stampCreated(doc, author.now, author.actor);
      }, FROM_REST);
  });
  sendJson(response, 201, answerOf(context, principal, collection, id, written), {
    etag: `"${written.version}"`,
    location: `/api/collections/${collection}/records/${id}`,
  });
}

/**
 * PATCH /api/collections/:c/records/:id: changes some fields. A text field is merged as the smallest edit
 * from the version named in If-Match (the version the caller read) to the text sent, so concurrent edits
 * survive; without If-Match, or if that version was compacted away, from the current text.
 */
export async function patchRecord(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
  id: string,
) {
  const { name, principal } = await recordAccess(context, request, collection, id, 'write');
  const body = await readJson(request, context.maxBodyBytes, context.maxJsonDepth);
  checkFieldCount(body, context.maxFieldsPerWrite);
  const definition = context.definitions.get(collection);
  const values = definition ? fieldsFromJson(definition, body, 'patch') : body;
  const ifMatch = request.headers['if-match']?.replace(/^W\//, '').replace(/"/g, '').trim();
  const written = await context.writer.write(name, principal, (doc, entries) => {
    if (!hasContent(doc) || !mayRead(context, principal, collection, id, doc))
      throw notFound(`Record "${id}" of "${collection}"`);
    if (isDeleted(doc))
      throw new ApiError(409, 'deleted', `Record "${id}" was deleted; it cannot be changed.`);
    const base = ifMatch ? docAtVersion(entries, ifMatch) : undefined;
    const author = { actor: principal.id, now: context.now() };
    doc.transact((transaction) => {
      if (!definition) {
        writeWithoutSchema(doc, values, base);
        if (transaction.changed.size > 0 || transaction.deleteSet.clients.size > 0)
          stampUpdated(doc, author.now, author.actor);
        return;
      }
      const others: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
        if (definition.fields[key]?.kind === 'text' && typeof value === 'string') {
          mergeText(doc.getText(key), base?.getText(key), value);
        } else {
          others[key] = value;
        }
      }
      upgradeRecord(doc, definition, author);
      // Stamps updatedAt when this transaction changed anything, text included.
      writePatch(doc, definition.fields, others, author, FROM_REST);
    }, FROM_REST);
  });
  sendJson(response, 200, answerOf(context, principal, collection, id, written), {
    etag: `"${written.version}"`,
  });
}

/** DELETE /api/collections/:c/records/:id: a tombstone, like a client's delete. */
export async function deleteRecord(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
  id: string,
) {
  const { name, principal } = await recordAccess(context, request, collection, id, 'write');
  await context.writer.write(name, principal, (doc) => {
    if (!hasContent(doc) || isDeleted(doc) || !mayRead(context, principal, collection, id, doc))
      throw notFound(`Record "${id}" of "${collection}"`);
    writeDeleted(doc, true, { actor: principal.id, now: context.now() }, FROM_REST);
  });
  response.writeHead(204).end();
}

/** The record as a write left it; only its id and version if the write took it out of what the caller may read. */
function answerOf(
  context: ApiContext,
  principal: Principal,
  collection: string,
  id: string,
  written: Written,
): object {
  if (!mayRead(context, principal, collection, id, written.doc))
    return { id, collection, version: written.version };
  return recordJson(collection, id, written.version, written.doc, context.definitions.get(collection));
}

/** The record's document name, once the caller is authenticated and allowed to `need` it. */
async function recordAccess(
  context: ApiContext,
  request: IncomingMessage,
  collection: string,
  id: string,
  need: 'read' | 'write',
) {
  const name = nameOf(collection, id);
  const principal = await principalOf(context, request);
  await requireAccess(context, principal, name, need);
  return { name, principal };
}

function nameOf(collection: string, id: string): string {
  try {
    return documentName(collection, id);
  } catch (error) {
    throw new ApiError(400, 'invalid-name', (error as Error).message);
  }
}

/**
 * Equality of a field with a query-string value: numbers, booleans and dates compare by value, a list of
 * plain values by its items joined with commas. An object equals no query value: turned into a string it
 * says nothing, and one decoded with a `__proto__` key may not turn into a string at all.
 */
function matches(value: unknown, wanted: string): boolean {
  if (value === undefined || value === null) return wanted === '';
  if (typeof value === 'number') return value === Number(wanted);
  if (typeof value === 'boolean') return String(value) === wanted;
  if (value instanceof Date) return value.getTime() === new Date(wanted).getTime();
  if (Array.isArray(value)) return value.every(isPlain) && value.join(',') === wanted;
  if (typeof value === 'object') return false;
  return String(value) === wanted;
}

const isPlain = (value: unknown) => value === null || typeof value !== 'object';
