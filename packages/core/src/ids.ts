/**
 * Names of records and collections. A record is the Yjs document `<collection>/<id>`; both parts are
 * checked here, on the client and on the relay, so that a name is safe as a storage key, a URL path
 * segment and a log field.
 */
import { InvalidNameError } from './errors.js';

/** A record's document name, `<collection>/<id>`. */
export type DocumentName = string & { readonly __brand: 'DocumentName' };

/** Letters, digits, `_` and `-`; starts with a letter; at most 64 characters. */
const COLLECTION_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Letters, digits, `_`, `-`, `.` and `:`; at most 128 characters; never `.` or `..`. */
const ID_PATTERN = /^[A-Za-z0-9_:.-]{1,128}$/;

export const isCollectionName = (name: string): boolean => COLLECTION_PATTERN.test(name);

export const isRecordId = (id: string): boolean => ID_PATTERN.test(id) && id !== '.' && id !== '..';

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !isCollectionName(name)) {
    throw new InvalidNameError(
      `Collection name ${JSON.stringify(name)} is not allowed: use 1-64 letters, digits, "_" or "-", starting with a letter.`,
    );
  }
}

export function assertRecordId(id: string): void {
  if (typeof id !== 'string' || !isRecordId(id)) {
    throw new InvalidNameError(
      `Record id ${JSON.stringify(id)} is not allowed: use 1-128 letters, digits, "_", "-", "." or ":".`,
    );
  }
}

export function documentName(collection: string, id: string): DocumentName {
  assertCollectionName(collection);
  assertRecordId(id);
  return `${collection}/${id}` as DocumentName;
}

/** Splits a document name, or returns undefined when it is not a valid record name. */
export function parseDocumentName(name: string): { collection: string; id: string } | undefined {
  const slash = name.indexOf('/');
  if (slash < 0) return undefined;
  const collection = name.slice(0, slash);
  const id = name.slice(slash + 1);
  return isCollectionName(collection) && isRecordId(id) ? { collection, id } : undefined;
}

export const isDocumentName = (name: string): name is DocumentName => parseDocumentName(name) !== undefined;

/** A random record id: 16 characters of [0-9a-z], about 82 bits. */
export function randomId(random: () => number = Math.random): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let id = '';
  for (let i = 0; i < 16; i++) id += alphabet[Math.floor(random() * alphabet.length)];
  return id;
}
