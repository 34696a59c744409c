import type { IncomingMessage, ServerResponse } from 'node:http';
import { nestedDeeperThan } from '../jsonDepth.js';
import { ApiError } from './ApiError.js';

/** Reads a JSON request body of at most `limit` bytes, nested at most `maxDepth` levels. */
export async function readJson(request: IncomingMessage, limit: number, maxDepth: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError(400, 'bad-json', 'The request needs a JSON body.');
  // Checked on the text: what is parsed must be safe to walk, store and answer with.
  if (nestedDeeperThan(text, maxDepth)) {
    throw new ApiError(
      400,
      'too-deep',
      `The body nests arrays and objects deeper than ${maxDepth} levels, the most this relay accepts.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'bad-json', `The body is not valid JSON: ${(error as Error).message}`);
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(response, status, JSON.stringify(body), headers);
}

/** Sends JSON already written as text. */
export function sendJsonText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: ApiError): void {
  sendJson(response, error.status, { error: { code: error.code, message: error.message, ...error.details } });
}

const tooLarge = (limit: number) =>
  new ApiError(413, 'too-large', `The body is larger than ${limit} bytes, the most this relay accepts.`);

/** The bearer token of a request ('' when none). */
export function bearerToken(request: IncomingMessage): string {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match ? match[1]!.trim() : '';
}
