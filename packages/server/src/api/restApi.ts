import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCollectionName } from '@ferry/core';
import { DocumentError } from '../documents/errors.js';
import type { ApiContext } from './ApiContext.js';
import { ApiError, apiErrorOf } from './ApiError.js';
import { changes } from './changes.js';
import { history } from './history.js';
import { sendError, sendJson } from './http.js';
import { openApiDocument } from './openapi.js';
import { createRecord, deleteRecord, getRecord, listRecords, patchRecord } from './records.js';

type Handler = (
  context: ApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  ...params: string[]
) => Promise<void>;

const ROUTES: [method: string, pattern: RegExp, handler: Handler][] = [
  ['GET', /^\/api\/collections\/([^/]+)\/records$/, listRecords],
  ['POST', /^\/api\/collections\/([^/]+)\/records$/, createRecord],
  ['GET', /^\/api\/collections\/([^/]+)\/records\/([^/]+)$/, getRecord],
  ['PATCH', /^\/api\/collections\/([^/]+)\/records\/([^/]+)$/, patchRecord],
  ['DELETE', /^\/api\/collections\/([^/]+)\/records\/([^/]+)$/, deleteRecord],
  ['GET', /^\/api\/collections\/([^/]+)\/records\/([^/]+)\/history$/, history],
  ['GET', /^\/api\/collections\/([^/]+)\/changes$/, changes],
];

/** Answers requests under /api; returns false for any other path. */
export function restApi(
  context: ApiContext,
): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  return async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://relay').pathname;
    if (!path.startsWith('/api/')) return false;
    try {
      if (path === '/api/openapi.json' && request.method === 'GET') {
        sendJson(response, 200, openApiDocument);
        return true;
      }
      const matching = ROUTES.filter(([, pattern]) => pattern.test(path));
      if (matching.length === 0) throw new ApiError(404, 'not-found', `No API route at ${path}.`);
      const route = matching.find(([method]) => method === request.method);
      if (!route) {
        response.setHeader('allow', matching.map(([method]) => method).join(', '));
        throw new ApiError(405, 'method-not-allowed', `${request.method} is not allowed on ${path}.`);
      }
      const params = route[1].exec(path)!.slice(1).map(decodeParam);
      if (!isCollectionName(params[0]!))
        throw new ApiError(400, 'invalid-name', `"${params[0]}" is not a collection name.`);
      await route[2](context, request, response, ...params);
    } catch (error) {
      if (response.headersSent) {
        response.end();
        return true;
      }
      if (error instanceof ApiError) sendError(response, error);
      else if (error instanceof DocumentError) sendError(response, apiErrorOf(error));
      else {
        context.logger.error({ err: error, path }, 'REST request failed');
        sendError(response, new ApiError(500, 'internal', 'Internal error.'));
      }
    }
    return true;
  };
}

function decodeParam(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    throw new ApiError(400, 'bad-path', `"${param}" is not valid percent-encoding.`);
  }
}
