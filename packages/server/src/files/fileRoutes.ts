import type { IncomingMessage, ServerResponse } from 'node:http';
import { documentName, FILES_PATH, fileRefsOf, hasContent, isFileHash } from '@ferry/core';
import { type ApiContext, mayRead, principalOf, requireAccess } from '../api/ApiContext.js';
import { ApiError } from '../api/ApiError.js';
import { sendError, sendJson } from '../api/http.js';
import type { Principal } from '../auth/Auth.js';
import { viewRecord } from '../documents/RecordView.js';
import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';
import { byteRange, hashOfUpload, sendBlob } from './streamBlob.js';

/** What the file endpoints need: the REST API's context (auth, records, rules), the blobs and their limits. */
export interface FileContext {
  readonly api: ApiContext;
  readonly blobs: BlobStorage;
  /** The largest file accepted, in bytes. */
  readonly maxFileBytes: number;
  /** The largest chunk one PUT may carry, in bytes. */
  readonly maxFileChunkBytes: number;
}

const ROUTE = /^\/api\/files\/([^/]+)\/([^/]+)\/([^/]+?)(\/upload)?$/;

/**
 * The file endpoints, under FILES_PATH, each through a record (`/api/files/<collection>/<id>/<hash>`):
 *
 * - `GET …/<hash>`: the bytes, to a principal who may read the record, while the record refers to the hash.
 *   Anything else is one and the same 404, so a principal learns nothing of files it may not read.
 * - `PUT …/<hash>?offset=N&size=S`: a chunk of an upload, to a principal who may write the record. The
 *   relay checks the hash once it has all `S` bytes and stores them once per hash.
 * - `GET …/<hash>/upload`: how much of this record's upload of the hash the relay holds, to resume it.
 *
 * HTTP rather than /sync: file bytes do not hold up record changes on the socket, a chunk is one request
 * that a proxy and the browser already know how to carry, and downloads can be cached and streamed.
 */
export function fileRoutes(
  context: FileContext,
): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  return async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://relay').pathname;
    if (!path.startsWith(FILES_PATH)) return false;
    try {
      const match = ROUTE.exec(path);
      if (!match) throw new ApiError(404, 'not-found', `Use ${FILES_PATH}<collection>/<id>/<hash>.`);
      const [collection, id, hash] = match.slice(1, 4).map(decodeParam) as [string, string, string];
      const name = nameOf(collection, id);
      if (!isFileHash(hash))
        throw new ApiError(
          400,
          'invalid-hash',
          `"${hash}" is not a file hash (64 lowercase hex digits of SHA-256).`,
        );
      const upload = match[4] !== undefined;
      const principal = await principalOf(context.api, request);
      if (request.method === 'GET' && !upload)
        await download(context, principal, name, hash, request, response);
      else if (request.method === 'GET')
        await uploadStatus(context, principal, name, hash, request, response);
      else if (request.method === 'PUT' && !upload)
        await putChunk(context, principal, name, hash, request, response);
      else {
        response.setHeader('allow', upload ? 'GET' : 'GET, PUT');
        throw new ApiError(405, 'method-not-allowed', `${request.method} is not allowed on ${path}.`);
      }
    } catch (error) {
      if (response.headersSent) response.end();
      else if (error instanceof ApiError) sendError(response, error);
      else {
        context.api.logger.error({ err: error, path }, 'file request failed');
        sendError(response, new ApiError(500, 'internal', 'Internal error.'));
      }
    }
    return true;
  };
}

async function download(
  context: FileContext,
  principal: Principal,
  name: string,
  hash: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  await requireAccess(context.api, principal, name, 'read');
  const size = (await refersTo(context, principal, name, hash)) ? await context.blobs.size(hash) : undefined;
  if (size === undefined)
    throw new ApiError(404, 'not-found', `Record ${name} has no file ${hash} you may read.`);
  let range: ReturnType<typeof byteRange>;
  try {
    range = byteRange(request.headers.range, size);
  } catch (error) {
    response.setHeader('content-range', `bytes */${size}`);
    throw error;
  }
  response.writeHead(range ? 206 : 200, {
    'content-type': 'application/octet-stream',
    'content-length': range ? range.end - range.start : size,
    'accept-ranges': 'bytes',
    ...(range && { 'content-range': `bytes ${range.start}-${range.end - 1}/${size}` }),
    // The bytes of a hash never change; who may read them does, so no shared cache may keep them.
    'cache-control': 'private, max-age=31536000, immutable',
  });
  await sendBlob(context.blobs, hash, range ?? { start: 0, end: size }, response);
}

async function uploadStatus(
  context: FileContext,
  principal: Principal,
  name: string,
  hash: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  await requireWrite(context, principal, name);
  const size = sizeOf(context, request);
  // Complete only as far as the principal may know it: the record it may read refers to a stored file.
  const complete =
    (await refersTo(context, principal, name, hash)) && (await context.blobs.size(hash)) !== undefined;
  const received = complete ? (size ?? 0) : await context.blobs.received(uploadKey(name, hash, size));
  sendJson(response, 200, { received, complete });
}

async function putChunk(
  context: FileContext,
  principal: Principal,
  name: string,
  hash: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  await requireWrite(context, principal, name);
  const size = sizeOf(context, request);
  if (size === undefined) throw new ApiError(400, 'bad-size', 'Give the whole file size as ?size=<bytes>.');
  const offset = Number(new URL(request.url ?? '/', 'http://relay').searchParams.get('offset') ?? 0);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > size)
    throw new ApiError(400, 'bad-offset', `?offset must be a whole number of bytes from 0 to ${size}.`);
  const chunk = await readChunk(request, Math.min(context.maxFileChunkBytes, size - offset), context);
  if (chunk.byteLength === 0 && offset < size)
    throw new ApiError(400, 'empty-chunk', 'The chunk is empty; send the bytes from ?offset on.');
  const key = uploadKey(name, hash, size);
  const now = context.api.now();
  let received: number;
  try {
    received = await context.blobs.append(key, offset, chunk, now);
  } catch (error) {
    if (!(error instanceof BlobOffsetError)) throw error;
    throw new ApiError(409, 'offset', error.message, { received: error.received });
  }
  if (received < size) {
    sendJson(response, 200, { received, complete: false });
    return;
  }
  const actual = await hashOfUpload(context.blobs, key, size);
  if (actual !== hash) {
    await context.blobs.drop(key);
    throw new ApiError(
      400,
      'hash-mismatch',
      `The bytes received hash to ${actual}, not ${hash}; nothing was stored. Upload the file again from offset 0.`,
    );
  }
  await context.blobs.commit(key, hash, now);
  sendJson(response, 200, { received, complete: true });
}

/**
 * Uploads go through a record the principal may write: by `authorize`, and by the collection's write rule
 * when the record is on the relay already. A record not there yet (made offline, its upload arriving first),
 * like one the principal may not read, is judged by `authorize` alone: its bytes can only be read through
 * a record that refers to them, and are collected when none does.
 */
async function requireWrite(context: FileContext, principal: Principal, name: string): Promise<void> {
  await requireAccess(context.api, principal, name, 'write');
  const slash = name.indexOf('/');
  const collection = name.slice(0, slash);
  const { rules } = context.api.hub;
  if (!rules.writesByContent(collection)) return;
  const { doc } = await context.api.writer.read(name);
  const id = name.slice(slash + 1);
  // A record the principal may not read is answered as one not there: the answer must not tell it exists.
  if (!hasContent(doc) || !mayRead(context.api, principal, collection, id, doc)) return;
  const view = viewRecord(collection, id, doc, context.api.definitions.get(collection));
  if (!rules.canWrite(principal, view))
    throw new ApiError(403, 'forbidden', `You may not change "${name}", so you may not attach files to it.`);
}

/** Whether `name` exists, `principal` may read it by its content rules, and its current state refers to `hash`. */
async function refersTo(
  context: FileContext,
  principal: Principal,
  name: string,
  hash: string,
): Promise<boolean> {
  const { doc } = await context.api.writer.read(name);
  const slash = name.indexOf('/');
  return (
    hasContent(doc) &&
    mayRead(context.api, principal, name.slice(0, slash), name.slice(slash + 1), doc) &&
    fileRefsOf(doc).has(hash)
  );
}

/** `?size=`, checked against the relay's limit; undefined when not given. */
function sizeOf(context: FileContext, request: IncomingMessage): number | undefined {
  const given = new URL(request.url ?? '/', 'http://relay').searchParams.get('size');
  if (given === null) return undefined;
  const size = Number(given);
  if (!Number.isSafeInteger(size) || size < 0)
    throw new ApiError(400, 'bad-size', '?size must be the file size, a whole number of bytes.');
  if (size > context.maxFileBytes)
    throw new ApiError(
      413,
      'file-too-large',
      `The file is ${size} bytes; this relay accepts files of at most ${context.maxFileBytes} bytes (limits.maxFileBytes).`,
      { maxFileBytes: context.maxFileBytes },
    );
  return size;
}

/** The request body, refused with 413 past `limit` bytes. */
async function readChunk(request: IncomingMessage, limit: number, context: FileContext): Promise<Uint8Array> {
  const tooLarge = () =>
    new ApiError(
      413,
      'chunk-too-large',
      `A chunk may hold at most ${context.maxFileChunkBytes} bytes (limits.maxFileChunkBytes) and must not pass the declared size.`,
    );
  if (Number(request.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const part of request) {
    size += (part as Buffer).byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(part as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Uploads are kept apart per record, hash and size: progress through one record tells nothing through another. */
const uploadKey = (name: string, hash: string, size: number | undefined) => `${name}\n${hash}\n${size ?? 0}`;

function nameOf(collection: string, id: string): string {
  try {
    return documentName(collection, id);
  } catch (error) {
    throw new ApiError(400, 'invalid-name', (error as Error).message);
  }
}

function decodeParam(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    throw new ApiError(400, 'bad-path', `"${param}" is not valid percent-encoding.`);
  }
}
