import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessCache } from '../auth/AccessCache.js';
import type { CollectionSubscriber } from '../documents/CollectionFeed.js';
import type { ApiContext } from './ApiContext.js';
import { principalOf, requireAccess } from './ApiContext.js';
import { ApiError } from './ApiError.js';
import { sendJson } from './http.js';

interface Change {
  id: string;
  cursor: string;
}

/**
 * GET /api/collections/:c/changes?since=CURSOR: the ids of records changed after the cursor, and the
 * cursor to ask from next. With `Accept: text/event-stream` the answer is a Server-Sent Events stream that
 * stays open: first the backlog, then each change as it is committed. Each event's id is its cursor, so a
 * client that reconnects with Last-Event-ID resumes with no gap and no duplicate.
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
  const access = new AccessCache(context.auth, principal, context.maxAccessAnswers);
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
  access: AccessCache,
  collection: string,
  since: string,
  limit: number,
) {
  const page = await context.hub.storage.changes(collection, since, { limit }).catch(() => {
    throw new ApiError(400, 'bad-cursor', `"${since}" is not a cursor of this relay.`);
  });
  const changes: Change[] = [];
  for (const item of page.items) {
    if (await access.canRead(item.name))
      changes.push({ id: item.name.slice(collection.length + 1), cursor: item.cursor });
  }
  return { changes, cursor: page.cursor, more: page.more };
}

async function stream(
  context: ApiContext,
  access: AccessCache,
  request: IncomingMessage,
  response: ServerResponse,
  collection: string,
  since: string,
): Promise<void> {
  await read(context, access, collection, since, 1); // refuses a bad cursor before the stream starts
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  let cursor = since;
  let reading: Promise<void> = Promise.resolve();
  let closed = false;
  // Reads everything after the last cursor sent, so events leave in cursor order, each once.
  const catchUp = () => {
    reading = reading
      .then(async () => {
        for (;;) {
          if (closed) return;
          const page = await read(context, access, collection, cursor, 1000);
          for (const change of page.changes)
            response.write(`id: ${change.cursor}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
          cursor = page.cursor;
          if (!page.more) return;
        }
      })
      .catch((error) => {
        context.logger.warn({ err: error, collection }, 'change feed could not read; closing the stream');
        response.end();
      });
  };
  // Woken by every cursor the collection's feed reaches: one read per batch of commits.
  const subscriber: CollectionSubscriber = {
    deliver() {},
    deliverAwareness() {},
    deliverCursor: () => catchUp(),
  };
  await context.hub.subscribeCollection(collection, subscriber);
  catchUp();
  const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
  request.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    context.hub.unsubscribeCollection(collection, subscriber);
  });
}
