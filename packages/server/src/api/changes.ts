import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessCache } from '../auth/AccessCache.js';
import { ReadAccess } from '../auth/ReadAccess.js';
import { workSlices } from '../workSlices.js';
import type { ApiContext } from './ApiContext.js';
import { principalOf, requireAccess } from './ApiContext.js';
import { ApiError } from './ApiError.js';
import { ChangeStream } from './ChangeStream.js';
import { sendJson } from './http.js';

interface Change {
  id: string;
  cursor: string;
}

/**
 * GET /api/collections/:c/changes?since=CURSOR: the ids of records changed after the cursor, and the
 * cursor to ask from next. With `Accept: text/event-stream` the answer is a Server-Sent Events stream that
 * stays open: first the backlog, then each change as it is committed. Each event's id is its cursor, so a
 * client that reconnects with Last-Event-ID resumes with no gap and no duplicate. Streams are limited in
 * number (relay-wide: 503; per address: 429) and in what they may leave unread (see ChangeStream).
 */
export async function changes(
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
) {
  const principal = await principalOf(context, request);
  await requireAccess(context, principal, collection, 'read');
  // Records the caller may not read are left out, their ids included; the cursor still moves past them.
  const access = new ReadAccess(
    new AccessCache(context.auth, principal, context.maxAccessAnswers),
    context.hub,
    principal,
  );
  const query = new URL(request.url ?? '/', 'http://relay').searchParams;
  const lastEventId = request.headers['last-event-id'];
  const since = (typeof lastEventId === 'string' ? lastEventId : undefined) ?? query.get('since') ?? '';
  if (!(request.headers.accept ?? '').includes('text/event-stream')) {
    const limit = Math.min(5000, Math.max(1, Number(query.get('limit') ?? 1000) || 1000));
    const page = await read(context, access, collection, since, limit);
    sendJson(response, 200, page);
    return;
  }
  await stream(context, access, request, response, collection, since);
}

async function read(
  context: ApiContext,
  access: ReadAccess,
  collection: string,
  since: string,
  limit: number,
) {
  const page = await context.hub.storage.changes(collection, since, { limit }).catch(() => {
    throw new ApiError(400, 'bad-cursor', `"${since}" is not a cursor of this relay.`);
  });
  const changes: Change[] = [];
  const nextSlice = workSlices();
  for (const item of page.items) {
    await nextSlice();
    if (await access.canRead(item.name))
      changes.push({ id: item.name.slice(collection.length + 1), cursor: item.cursor });
  }
  return { changes, cursor: page.cursor, more: page.more };
}

async function stream(
  context: ApiContext,
  access: ReadAccess,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
  since: string,
): Promise<void> {
  // The client may have hung up while it was being authenticated.
  if (response.destroyed) return;
  const release = context.streams.admit(request, response);
  response.once('close', release);
  // Refuses a bad cursor (400) before the stream starts.
  const first = await context.streams.read(collection, since);
  if (response.destroyed) return;
  const stream = new ChangeStream(
    response,
    collection,
    first,
    context.streams,
    context.hub,
    context.logger,
    access,
  );
  await stream.follow();
}
