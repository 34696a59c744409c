import type { IncomingMessage } from 'node:http';
import type { CollectionDefinition, Logger } from '@ferry/core';
import type * as Y from 'yjs';
import { AccessCache } from '../auth/AccessCache.js';
import type { Principal, RelayAuth } from '../auth/Auth.js';
import { AuthError } from '../auth/Auth.js';
import type { DocumentHub } from '../documents/DocumentHub.js';
import { viewRecord } from '../documents/RecordView.js';
import { ApiError } from './ApiError.js';
import type { ChangeStreams } from './ChangeStreams.js';
import { bearerToken } from './http.js';
import type { RecordWriter } from './RecordWriter.js';

/** What the REST API handlers share. */
export interface ApiContext {
  readonly hub: DocumentHub;
  readonly writer: RecordWriter;
  readonly auth: RelayAuth;
  /** Collections whose schema the relay knows, by name: their writes are validated, their reads typed. */
  readonly definitions: ReadonlyMap<string, CollectionDefinition>;
  readonly maxBodyBytes: number;
  /** Bytes of JSON one list or history answer may hold before the rest is left for the next page. */
  readonly maxRestResponseBytes: number;
  /** How deeply a JSON body may nest arrays and objects. */
  readonly maxJsonDepth: number;
  /** Fields (and keys of object values) one write may set. */
  readonly maxFieldsPerWrite: number;
  /** `authorize` answers one request or change-feed stream remembers. */
  readonly maxAccessAnswers: number;
  /** The open change streams and their limits. */
  readonly streams: ChangeStreams;
  readonly logger: Logger;
  now(): number;
}

/** The caller, from the `Authorization: Bearer` header; 401 when refused. */
export async function principalOf(context: ApiContext, request: IncomingMessage): Promise<Principal> {
  try {
    return await context.auth.authenticate(bearerToken(request), request);
  } catch (error) {
    const message = error instanceof AuthError ? error.message : 'Authentication failed.';
    throw new ApiError(401, 'unauthorized', message);
  }
}

/** Checks the caller may `need` the collection or record `name`; 403 when not. */
export async function requireAccess(
  context: ApiContext,
  principal: Principal,
  name: string,
  need: 'read' | 'write',
): Promise<void> {
  const access = await new AccessCache(context.auth, principal).get(name);
  if (access === 'write' || (access === 'read' && need === 'read')) return;
  throw new ApiError(
    403,
    'forbidden',
    access === 'read' ? `You may read but not change "${name}".` : `You may not ${need} "${name}".`,
  );
}

/**
 * Whether the principal may read the record as `doc` holds it, by its collection's read rule if any. A record
 * it may not read is answered as one that does not exist: the answer tells nothing of which ids are taken.
 */
export function mayRead(
  context: ApiContext,
  principal: Principal,
  collection: string,
  id: string,
  doc: Y.Doc,
): boolean {
  const { rules } = context.hub;
  if (!rules.readsByContent(collection)) return true;
  return rules.canRead(principal, viewRecord(collection, id, doc, context.definitions.get(collection)));
}
