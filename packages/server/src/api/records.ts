import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  documentName,
  hasContent,
  isDeleted,
  parseDocumentName,
  randomId,
  stampCreated,
  stampUpdated,
  writeCreate,
  writeDeleted,
  writePatch,
} from '@ferry/core';
import { AccessCache } from '../auth/AccessCache.js';
import type { Principal } from '../auth/Auth.js';
import type { ApiContext } from './ApiContext.js';
import { mayRead, principalOf, requireAccess } from './ApiContext.js';
import { ApiError, notFound } from './ApiError.js';
import { readJson, sendJson } from './http.js';
import { mergeText } from './mergeText.js';
import type { Written } from './RecordWriter.js';
import { fieldsFromJson, recordJson } from './recordJson.js';
import { docAtVersion } from './versions.js';
import { writeWithoutSchema } from './writeWithoutSchema.js';

const FROM_REST = Symbol('ferry:rest');

/** GET /api/collections/:c/records: records changed after `since`, filtered by field equality, paged. */
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
  const seen = new Set<string>();
  const records = [];
  let cursor = query.get('since') ?? '';
  let more = true;
  while (records.length < limit && more) {
    const page = await context.hub.storage.changes(collection, cursor, { limit: 200 }).catch(() => {
      throw new ApiError(400, 'bad-cursor', `"${cursor}" is not a cursor of this relay.`);
    });
    for (const item of page.items) {
      cursor = item.cursor;
      if (seen.has(item.name)) continue;
      seen.add(item.name);
      if (!(await access.canRead(item.name))) continue;
      const { doc, version } = await context.writer.read(item.name);
      if (!hasContent(doc) || (isDeleted(doc) && !withDeleted)) continue;
      const { id } = parseDocumentName(item.name)!;
      if (!mayRead(context, principal, collection, id, doc)) continue;
      const json = recordJson(collection, id, version, doc, definition);
      if (!filters.every(([field, value]) => matches(json.fields[field], value))) continue;
      records.push(json);
      if (records.length === limit) break;
    }
    more = page.more || records.length === limit;
    if (!page.more) break;
  }
  sendJson(response, 200, { records, cursor, more: more && records.length === limit });
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
    if (definition) writeCreate(doc, definition.fields, values, author, FROM_REST);
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
