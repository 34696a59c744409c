import { ServerStorageError } from './ServerStorage.js';

/**
 * Cursors of the embedded stores are log sequence numbers written in decimal; clients treat them as opaque
 * strings. An unparsable cursor is refused, not read as zero, so a client never silently resyncs everything.
 */
export function parseSeqCursor(cursor: string): number {
  if (cursor === '') return 0;
  if (!/^\d{1,15}$/.test(cursor))
    throw new ServerStorageError(`Not a cursor of this store: ${JSON.stringify(cursor)}`);
  return Number(cursor);
}

export const formatSeqCursor = (seq: number): string => String(seq);
